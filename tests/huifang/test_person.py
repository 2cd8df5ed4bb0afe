"""`huifang person export|erase`: what we hold on one person, and erasing what we may."""

import json
from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import Session, select
from typer.testing import CliRunner

from callbacks.models import CallbackTask, DoNotCall, SurveyAnswer, TaskStatus
from callbacks.optout import add_do_not_call
from callbacks.service import record_answer
from core_ledger.accounts.models import Depositor
from huifang.cli import app
from ivr.sms.service import record_inbound
from ivr.voice.models import RecordingPurpose, VoiceRecording
from ivr.voice.service import store_recording
from kernel.audit import AuditEvent
from kernel.crypto import phone_index
from tests.callbacks.factories import business, start
from tests.conftest import Bind

runner = CliRunner()
ID_NUMBER, PHONE, OTHER = "11010519491231002X", "+8613712349876", "+8613712340000"


def _person_with_callbacks(engine: Bind) -> tuple[int, int]:
    """A depositor answered one callback (words, voice, a text) and has one still to come."""
    with Session(engine) as session:
        session.add(Depositor(id_number=ID_NUMBER, name="王芳", phone=PHONE))
        (answered,) = business(session, at=datetime(2026, 11, 3, 2, 30, tzinfo=UTC), phone=PHONE)
        (waiting,) = business(session, at=datetime(2026, 11, 20, 2, 30, tzinfo=UTC), phone=PHONE)
        business(session, at=datetime(2026, 11, 3, 2, 30, tzinfo=UTC), phone=OTHER)
        attempt = start(session, answered)
        record_answer(
            session,
            attempt_id=attempt.id or 0,
            question="attitude",
            value="unsatisfied",
            source="speech",
            raw="柜员王小明态度不好",
        )
        store_recording(
            session,
            attempt_id=attempt.id or 0,
            call_sid=attempt.provider_sid or "",
            purpose=RecordingPurpose.suggestion,
            question=None,
            recording_sid="RE" + "1" * 32,
            recording_url="http://provider.example/RE1",
            duration_s=3,
            transcript="希望多开窗口",
            confidence=0.9,
        )
        record_inbound(session, message_sid="SM" + "1" * 32, phone=PHONE, body="1 1 2 1 我叫王芳")
        add_do_not_call(session, phone=PHONE, reason="requested", actor="operator")
        session.commit()
        return answered.id or 0, waiting.id or 0


def test_export_gives_the_person_what_we_hold_and_is_audited(engine: Bind) -> None:
    answered, _ = _person_with_callbacks(engine)
    refused = runner.invoke(app, ["person", "export", ID_NUMBER])
    assert refused.exit_code == 2 and "--reason" in refused.output
    result = runner.invoke(app, ["person", "export", ID_NUMBER, "--reason", "本人申请 2026-017"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["person"] == {"id_number": ID_NUMBER, "names": ["王芳"], "phones": [PHONE]}
    assert [c["task_id"] for c in document["callbacks"]][0] == answered
    first = document["callbacks"][0]
    assert first["answers"] == [
        {"question": "attitude", "value": "unsatisfied", "said": "柜员王小明态度不好"}
    ]
    assert first["recordings"][0]["transcript"] == "希望多开窗口"
    assert document["sms"][0]["body"] == "1 1 2 1 我叫王芳"
    assert document["do_not_call"][0]["reason"] == "requested"
    assert OTHER not in result.output  # another person's callback is not theirs
    with Session(engine) as session:
        (event,) = session.exec(select(AuditEvent)).all()
    assert (event.action, event.reason) == ("export_person", "本人申请 2026-017")
    assert event.actor.startswith("cli:")


def test_a_bad_or_unknown_id_number_is_a_clear_refusal(engine: Bind) -> None:
    bad = runner.invoke(app, ["person", "export", "12345", "--reason", "x"])
    assert bad.exit_code == 1 and "身份证号码应为 18 位" in bad.output
    unknown = runner.invoke(app, ["person", "erase", "430902198001010015", "--reason", "x"])
    assert unknown.exit_code == 1 and "没有这个身份证号的个人信息" in unknown.output


def test_erase_pseudonymises_callback_data_keeps_the_ledger_and_says_why(engine: Bind) -> None:
    answered, waiting = _person_with_callbacks(engine)
    result = runner.invoke(app, ["person", "erase", ID_NUMBER, "--reason", "本人申请删除 2026-018"])
    assert result.exit_code == 0, result.output
    assert "回访任务 2 个（其中停止回访 2 个）" in result.output  # one mid-call, one waiting
    assert "依法保留" in result.output and "《会计档案管理办法》" in result.output
    with Session(engine) as session:
        tasks = {t.id: t for t in session.exec(select(CallbackTask))}
        assert (tasks[answered].person_name, tasks[answered].phone) == ("已删除", "")
        for task_id in (answered, waiting):  # never called again after erasure
            assert tasks[task_id].status == TaskStatus.closed
            assert tasks[task_id].close_reason == "erased"
        answer = session.exec(select(SurveyAnswer)).one()
        assert (answer.value, answer.raw) == ("unsatisfied", None)  # counted, not said
        recording = session.exec(select(VoiceRecording)).one()
        assert recording.transcript is None and recording.audio_purged_at is not None
        depositor = session.exec(select(Depositor)).one()
        assert (depositor.id_number, depositor.phone) == (ID_NUMBER, PHONE)  # the ledger keeps
        assert session.exec(  # the do-not-call wish is kept, so we still never call
            select(DoNotCall).where(DoNotCall.phone_index == phone_index(PHONE))
        ).one()
        bodies = session.execute(text("select body from sms_message")).scalars().all()
        other = session.exec(
            select(CallbackTask).where(CallbackTask.phone_index == phone_index(OTHER))
        ).one()
        assert other.person_name == "王芳" and other.phone == OTHER  # someone else's stays
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert all(b and "王芳" not in b for b in bodies)  # still sealed, now of an empty text
    assert actions == ["erase_person"]
    again = runner.invoke(app, ["person", "erase", ID_NUMBER, "--reason", "重复申请"])
    assert again.exit_code == 0 and "回访任务 0 个" in again.output  # nothing left to erase
