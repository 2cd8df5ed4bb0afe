"""Channel pauses as operators see them (/api/callbacks/channel-pauses): the alert that names
the setting to fix, and the resume once it is fixed."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from callbacks.models import ChannelPause
from callbacks.pause import CHANNEL_LABELS, alerts, resume_channel
from kernel.auth import Capability, User, require
from kernel.db import SessionDep
from kernel.errors import NotFound

router = APIRouter(prefix="/api/callbacks/channel-pauses", tags=["callbacks"])
WorkCasesUser = Annotated[User, Depends(require(Capability.work_cases))]
RunJobsUser = Annotated[User, Depends(require(Capability.run_jobs))]


class PausePublic(BaseModel):
    """A paused channel: what the provider said, what to fix, until when."""

    channel: str
    channel_label: str
    code: str | None
    setting: str
    message: str
    paused_at: datetime
    resume_at: datetime
    stopped: int

    @classmethod
    def of(cls, pause: ChannelPause) -> "PausePublic":
        return cls(
            channel=pause.channel,
            channel_label=CHANNEL_LABELS.get(pause.channel, pause.channel),
            code=pause.code,
            setting=pause.setting,
            message=pause.message,
            paused_at=pause.paused_at,
            resume_at=pause.resume_at,
            stopped=pause.stopped,
        )


@router.get("")
def list_pauses(session: SessionDep, _: WorkCasesUser) -> list[PausePublic]:
    """Every channel paused for an account or configuration error, newest first."""
    return [PausePublic.of(pause) for pause in alerts(session)]


@router.post("/{channel}/resume")
def resume(channel: str, session: SessionDep, user: RunJobsUser) -> dict[str, str]:
    """The setting was fixed: send on the channel again now."""
    if channel not in CHANNEL_LABELS:
        raise NotFound(f"没有名为 {channel!r} 的渠道（可选：voice 语音外呼、sms 短信）")
    if resume_channel(session, channel=channel, actor=user.username) is None:
        raise NotFound(f"{CHANNEL_LABELS[channel]}渠道没有暂停")
    return {"channel": channel, "resumed_by": user.username}
