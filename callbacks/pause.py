"""Channel pauses: an account or configuration error stops a channel, never a person's attempts.

The provider said our side is wrong (a From number we do not own, no permission to call or
text the country, bad credentials). Every attempt would fail the same way, so sending stops,
operators see which setting to fix, and the attempts held back are not counted. After
HUIFANG_CHANNEL_PAUSE_MINUTES one attempt tries again (a fixed console setting needs no
restart); an operator who fixed it resumes at once.
"""

import logging
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from callbacks.config import get_callback_settings
from callbacks.models import ChannelPause
from kernel.clock import utcnow

log = logging.getLogger(__name__)

CHANNEL_LABELS = {"voice": "语音外呼", "sms": "短信"}


def open_pause(session: Session, *, channel: str) -> ChannelPause | None:
    """The channel's pause not yet resumed by an operator, if any."""
    query = (
        select(ChannelPause)
        .where(ChannelPause.channel == channel, col(ChannelPause.resumed_at).is_(None))
        .order_by(col(ChannelPause.id).desc())
    )
    return session.exec(query).first()


def paused_until(session: Session, *, channel: str, now: datetime | None = None) -> datetime | None:
    """When sending on a paused channel may try again; None when it is not paused now."""
    pause = open_pause(session, channel=channel)
    moment = now or utcnow()
    if pause is None or pause.resume_at <= moment:
        return None
    return pause.resume_at


def pause_channel(
    session: Session, *, channel: str, code: int | None, setting: str, message: str
) -> ChannelPause:
    """Stop a channel (or extend its pause) and alert operators naming the setting to fix."""
    resume_at = utcnow() + timedelta(minutes=get_callback_settings().channel_pause_minutes)
    pause = open_pause(session, channel=channel)
    if pause is None:
        pause = ChannelPause(
            channel=channel, setting=setting[:200], message="", resume_at=resume_at
        )
    pause.code = None if code is None else str(code)[:16]
    pause.setting = setting[:200]
    pause.message = message[:500]
    pause.resume_at = resume_at
    pause.stopped += 1
    session.add(pause)
    session.flush()
    log.error(
        "%s channel paused until %s: provider error %s; fix %s",
        channel,
        resume_at.isoformat(),
        code,
        setting,
    )
    return pause


def resume_channel(session: Session, *, channel: str, actor: str) -> ChannelPause | None:
    """An operator fixed the setting: send again now. None when the channel was not paused."""
    pause = open_pause(session, channel=channel)
    if pause is None:
        return None
    pause.resumed_at = utcnow()
    pause.resumed_by = actor
    session.add(pause)
    session.flush()
    return pause


def alerts(session: Session) -> list[ChannelPause]:
    """Every pause operators have not resumed yet, newest first (the alert list)."""
    query = (
        select(ChannelPause)
        .where(col(ChannelPause.resumed_at).is_(None))
        .order_by(col(ChannelPause.id).desc())
    )
    return list(session.exec(query))
