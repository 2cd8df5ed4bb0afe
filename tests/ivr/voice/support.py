"""Voice test support: callback tasks through the real outbox, requests signed as Twilio signs."""

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from callbacks.models import CallAttempt, CallbackTask, TaskKind
from callbacks.relay import relay_outbox
from callbacks.service import attempt_placed, begin_attempt
from core_ledger.org.models import Outlet
from core_ledger.outbox.service import emit
from huifang.settings import clear_caches
from ivr.asr.config import get_asr_settings
from ivr.config import get_ivr_settings
from ivr.voice.models import VoiceRecording
from tests.conftest import Bind
from twilio_emulator import clips
from twilio_emulator.store import Recording, new_sid

PHONE = "+8613812345678"
# 11月3日 10:30 in Shanghai: what the greeting names.
BUSINESS_AT = datetime(2026, 11, 3, 2, 30, tzinfo=UTC)
SAY = '<Say language="cmn-CN" voice="Polly.Zhiyu">'
XML = '<?xml version="1.0" encoding="UTF-8"?>'
_ids = itertools.count(1)


def set_speech(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    """HUIFANG_ASR for the rest of the test (vosk or off)."""
    monkeypatch.setenv("HUIFANG_ASR", mode)
    clear_caches()
    get_asr_settings.cache_clear()


def a_task(session: Session, *, phone: str = PHONE, kind: str = "withdrawal") -> CallbackTask:
    """A business at 城东网点 relayed through the outbox into its callback task."""
    outlet = session.exec(select(Outlet).where(Outlet.code == "WD01")).first()
    if outlet is None:
        outlet = Outlet(code="WD01", name="城东网点")
        session.add(outlet)
        session.flush()
    business_id = next(_ids)
    payload = {
        "business_kind": kind,
        "business_id": business_id,
        "occurred_at": BUSINESS_AT.isoformat(),
        "outlet_id": outlet.id,
        "outlet_name": outlet.name,
        "teller_id": None,
        "person": {"name": "王芳", "phone": phone, "gender": "female"},
    }
    emit(session, kind=f"{kind}.completed", aggregate_id=business_id, payload=payload)
    relay_outbox(session)
    return session.exec(select(CallbackTask).where(CallbackTask.business_id == business_id)).one()


def an_attempt(
    engine: Bind, *, phone: str = PHONE, rectification: bool = False, project: bool = False
) -> int:
    """A task whose first call is under way (committed); return the attempt id."""
    with Session(engine) as session:
        task = a_task(session, phone=phone)
        if rectification:  # the second callback (整改回访) after an outlet's rectification
            task.kind, task.audience = TaskKind.rectification, "rectify_depositor"
            session.add(task)
        if project:  # a project contact's monthly callback (签约楼盘负责人)
            task.kind, task.audience = TaskKind.project_contact, "project_contact"
            task.project_name, task.contact_month = "幸福里", "2026-11"
            session.add(task)
        attempt = begin_attempt(session, task_id=task.id or 0, attempt_no=1)
        assert attempt is not None
        attempt_placed(session, attempt_id=attempt.id or 0, provider_sid=f"CA{attempt.id:032d}")
        session.commit()
        return attempt.id or 0


def sign(path: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature for a POST to our PUBLIC_URL + path (with its query)."""
    settings = get_ivr_settings()
    validator = RequestValidator(settings.twilio_auth_token)
    return str(validator.compute_signature(settings.webhook_url(path), params))


def post(
    client: TestClient, path: str, params: dict[str, str], *, signature: str | None = None
) -> httpx2.Response:
    """POST a form as Twilio would, signed unless a signature is given."""
    form = {"CallSid": "CA0000000000000000000000000000abcd", "AccountSid": "AC1"} | params
    header = sign(path, form) if signature is None else signature
    return client.post(path, data=form, headers={"X-Twilio-Signature": header})


def state(engine: Bind, attempt_id: int) -> tuple[CallbackTask, CallAttempt]:
    """The task and attempt as the database has them now."""
    with Session(engine) as session:
        attempt = session.get(CallAttempt, attempt_id)
        assert attempt is not None
        task = session.get(CallbackTask, attempt.task_id)
        assert task is not None
        return task, attempt


def recordings(engine: Bind) -> list[VoiceRecording]:
    with Session(engine) as session:
        return list(session.exec(select(VoiceRecording).order_by(VoiceRecording.id)))  # type: ignore[arg-type]


@dataclass
class RecordingServer:
    """The emulator, serving recordings we put in it (as Twilio serves RecordingUrl)."""

    url: str
    app: object

    def add(self, clip: str) -> dict[str, str]:
        """Store a clip as a recording; return the Record action parameters for it."""
        store = self.app.state.emulator.store  # type: ignore[attr-defined]
        config = self.app.state.emulator.config  # type: ignore[attr-defined]
        recording = Recording(
            sid=new_sid("RE"),
            account_sid=config.twilio_account_sid,
            call_sid="CA0000000000000000000000000000abcd",
            duration=2,
            wav=(clips.DIRECTORY / clip).read_bytes(),
            clip=clip,
        )
        store.recordings[recording.sid] = recording
        path = f"/2010-04-01/Accounts/{recording.account_sid}/Recordings/{recording.sid}"
        return {
            "RecordingUrl": self.url + path,
            "RecordingSid": recording.sid,
            "RecordingDuration": "2",
        }
