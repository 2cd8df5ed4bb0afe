"""The operators' exception pages: masked phones, the reveal written down, actions by form."""

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from callbacks.clarify import confirm_answer
from callbacks.models import CallbackException, TaskEvent
from callbacks.service import record_answer, record_call_status
from tests.callbacks.factories import business, start
from tests.conftest import Bind, make_user

PHONE = "+8613812345678"


def _sign_in(client: TestClient, engine: Bind, role: str) -> None:
    password = make_user(engine, username=role, role=role)
    client.post("/login", data={"username": role, "password": password}, follow_redirects=False)


def _favour_case(engine: Bind) -> int:
    with Session(engine) as session:
        (task,) = business(session, at=datetime.now(UTC), phone=PHONE)
        attempt = start(session, task)
        answers = {
            "attitude": "satisfied",
            "efficiency": "satisfied",
            "repeat_trip": "no",
            "favour_asked": "yes",
        }
        for question, value in answers.items():
            record_answer(
                session, attempt_id=attempt.id or 0, question=question, value=value, source="dtmf"
            )
        confirm_answer(session, task_id=task.id or 0, actor="twilio")  # the person pressed 1
        record_call_status(session, attempt_id=attempt.id or 0, status="completed", sequence=9)
        session.commit()
        return session.exec(select(CallbackException.id)).one() or 0


def test_queue_page_masks_phones_and_reveal_is_recorded(client: TestClient, engine: Bind) -> None:
    case_id = _favour_case(engine)
    assert client.get("/exceptions", follow_redirects=False).status_code == 303
    _sign_in(client, engine, "operator")
    page = client.get("/exceptions")
    assert page.status_code == 200
    assert "反映索拿卡要" in page.text and "138****5678" in page.text and PHONE not in page.text
    detail = client.get(f"/exceptions/{case_id}")
    assert PHONE not in detail.text
    revealed = client.post(f"/exceptions/{case_id}/reveal")
    assert PHONE in revealed.text
    with Session(engine) as session:
        notes = session.exec(select(TaskEvent.note, TaskEvent.actor)).all()
    assert ("查看完整号码（人工回访）", "operator") in notes


def test_close_by_form_needs_a_note_and_a_finding(client: TestClient, engine: Bind) -> None:
    case_id = _favour_case(engine)
    _sign_in(client, engine, "operator")
    empty = client.post(f"/exceptions/{case_id}/close", data={"note": ""})
    assert empty.status_code == 422 and "处理说明" in empty.text
    unfound = client.post(f"/exceptions/{case_id}/close", data={"note": "已移交纪检"})
    assert unfound.status_code == 422 and "请先填写核实结论" in unfound.text
    assert "提交核实结论" in unfound.text and "非工作人员原因" in unfound.text
    done = client.post(
        f"/exceptions/{case_id}/verify",
        data={"finding": "true", "note": "已移交纪检"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "核实结论：<strong>属实</strong>" in client.get(f"/exceptions/{case_id}").text
    with Session(engine) as session:
        assert session.exec(select(CallbackException.status)).one() == "closed"


def test_tellers_cannot_see_the_queue(client: TestClient, engine: Bind) -> None:
    _favour_case(engine)
    _sign_in(client, engine, "teller")
    assert client.get("/exceptions").status_code == 403
