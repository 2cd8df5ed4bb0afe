"""The callback desk over HTTP: roles, masked phones, operator actions, history, the dashboard."""

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from callbacks.models import CallbackException, CallbackTask, TaskEvent
from callbacks.service import record_answer, record_call_status
from core_ledger.org.models import Outlet, Staff
from kernel.audit import AuditEvent
from tests.callbacks.factories import business, start
from tests.conftest import Bind, make_user

PHONE = "+8613812345678"


def _login(
    client: TestClient,
    engine: Bind,
    role: str,
    *,
    username: str = "",
    staff_code: str | None = None,
) -> dict[str, str]:
    username = username or role
    password = make_user(engine, username=username, role=role, staff_code=staff_code)
    token = client.post("/api/auth/token", data={"username": username, "password": password})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _staff_at(engine: Bind, *, case_id: int, code: str, elsewhere: bool = False) -> str:
    """A member of staff at the outlet of the case's business (or at another outlet)."""
    with Session(engine) as session:
        case = session.get(CallbackException, case_id)
        assert case is not None
        task = session.get(CallbackTask, case.task_id)
        assert task is not None
        outlet_id = task.outlet_id
        if elsewhere:
            other = Outlet(code=f"X{code}", name="城西网点")
            session.add(other)
            session.flush()
            outlet_id = other.id or 0
        session.add(Staff(code=code, name="网点员工", outlet_id=outlet_id, phone="+8613900009999"))
        session.commit()
    return code


def _unsatisfied_case(engine: Bind) -> int:
    with Session(engine) as session:
        (task,) = business(session, at=datetime.now(UTC), phone=PHONE)
        attempt = start(session, task)
        answers = {"attitude": "unsatisfied", "efficiency": "satisfied", "repeat_trip": "no"}
        for question, value in {**answers, "favour_asked": "no"}.items():
            record_answer(
                session, attempt_id=attempt.id or 0, question=question, value=value, source="dtmf"
            )
        record_call_status(session, attempt_id=attempt.id or 0, status="completed", sequence=9)
        session.commit()
        (case,) = session.exec(select(CallbackException)).all()
        return case.id or 0


def test_the_queue_shows_masked_phones_to_operators_only(client: TestClient, engine: Bind) -> None:
    case_id = _unsatisfied_case(engine)
    assert client.get("/api/callbacks/exceptions").status_code == 401
    teller = _login(client, engine, "teller")
    assert client.get("/api/callbacks/exceptions", headers=teller).status_code == 403
    operator = _login(client, engine, "operator")
    (row,) = client.get("/api/callbacks/exceptions", headers=operator).json()
    assert (row["id"], row["reason"], row["label"], row["phone_masked"]) == (
        case_id,
        "unsatisfied",
        "不满意",
        "138****5678",
    )
    assert PHONE not in str(row) and row["breached"] is False


def test_revealing_the_number_is_written_into_the_history(client: TestClient, engine: Bind) -> None:
    case_id = _unsatisfied_case(engine)
    operator = _login(client, engine, "operator")
    shown = client.get(f"/api/callbacks/exceptions/{case_id}/phone", headers=operator)
    assert shown.json() == {"phone": PHONE}
    task_id = client.get(f"/api/callbacks/exceptions/{case_id}", headers=operator).json()["task_id"]
    task = client.get(f"/api/callbacks/tasks/{task_id}", headers=operator).json()
    notes = [(e["actor"], e["note"]) for e in task["history"]]
    assert ("operator", "查看完整号码（人工回访）") in notes
    assert [e["to_status"] for e in task["history"]][:3] == ["scheduled", "calling", "completed"]
    assert task["phone_masked"] == "138****5678" and task["answers"]["attitude"] == "unsatisfied"
    with Session(engine) as session:  # and into the audit log the admins read
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.action == "reveal_phone"))
    assert (event.actor, event.subject) == ("operator", f"callback_task:{task_id}")


def test_the_poor_rating_loop_over_http(client: TestClient, engine: Bind) -> None:
    case_id = _unsatisfied_case(engine)
    operator = _login(client, engine, "operator")
    teller = _login(client, engine, "teller")
    head_code = _staff_at(engine, case_id=case_id, code="H01")
    head = _login(client, engine, "outlet_head", username="head", staff_code=head_code)
    base = f"/api/callbacks/exceptions/{case_id}"
    assert client.post(f"{base}/claim", headers=operator).json()["assignee"] == "operator"
    early = client.post(f"{base}/rectification", json={"text": "已整改"}, headers=head)
    assert early.status_code == 409 and "核实" in early.json()["detail"]
    assert (
        client.post(
            f"{base}/verify", json={"finding": "true", "note": "属实"}, headers=teller
        ).status_code
        == 403
    )
    verified = client.post(
        f"{base}/verify", json={"finding": "true", "note": "柜员态度生硬"}, headers=operator
    )
    assert (verified.json()["status"], verified.json()["finding_label"]) == ("verified", "属实")
    # The complaint is the outlet's: a teller it does not name, or another outlet, may not answer.
    for other in (
        teller,
        _login(
            client,
            engine,
            "teller",
            username="t2",
            staff_code=_staff_at(engine, case_id=case_id, code="T02"),
        ),
        _login(
            client,
            engine,
            "outlet_head",
            username="west",
            staff_code=_staff_at(engine, case_id=case_id, code="H02", elsewhere=True),
        ),
    ):
        refused = client.post(f"{base}/rectification", json={"text": "已整改"}, headers=other)
        assert refused.status_code == 403 and "不是本网点（本人）的投诉" in refused.json()["detail"]
    done = client.post(f"{base}/rectification", json={"text": "已批评教育"}, headers=head).json()
    assert done["case"]["status"] == "rectified" and done["rectification_task_id"] is not None
    second = client.get(
        f"/api/callbacks/tasks/{done['rectification_task_id']}", headers=operator
    ).json()
    assert (second["kind"], second["status"]) == ("rectification", "scheduled")


def test_bad_operator_input_gets_a_message_and_changes_nothing(
    client: TestClient, engine: Bind
) -> None:
    case_id = _unsatisfied_case(engine)
    operator = _login(client, engine, "operator")
    base = f"/api/callbacks/exceptions/{case_id}"
    bad = client.post(f"{base}/result", json={"answers": {"attitude": "great"}}, headers=operator)
    assert bad.status_code == 422 and "attitude" in bad.json()["detail"]
    assert client.post(f"{base}/close", json={"note": ""}, headers=operator).status_code == 422
    assert client.get("/api/callbacks/exceptions/999999", headers=operator).status_code == 404
    assert client.get("/api/callbacks/metrics?period=March", headers=operator).status_code == 422
    unfound = client.post(f"{base}/close", json={"note": "已回电致歉"}, headers=operator)
    assert unfound.status_code == 422 and "核实结论" in unfound.json()["detail"]
    found = client.post(
        f"{base}/verify", json={"finding": "not_staff", "note": "银行到账延迟"}, headers=operator
    )
    assert found.json()["status"] == "closed"
    again = client.post(f"{base}/escalate", json={"note": "x"}, headers=operator)
    assert again.status_code == 409


def test_do_not_call_over_http(client: TestClient, engine: Bind) -> None:
    with Session(engine) as session:
        business(session, at=datetime.now(UTC), phone=PHONE)
        session.commit()
    operator = _login(client, engine, "operator")
    added = client.post(
        "/api/callbacks/do-not-call", json={"phone": "138 1234 5678"}, headers=operator
    )
    assert added.status_code == 201 and len(added.json()["closed_tasks"]) == 1
    bad = client.post("/api/callbacks/do-not-call", json={"phone": "12345"}, headers=operator)
    assert bad.status_code == 422
    with Session(engine) as session:
        events = session.exec(select(TaskEvent.to_status)).all()
    assert events[-1] == "closed"


def test_metrics_over_http(client: TestClient, engine: Bind) -> None:
    _unsatisfied_case(engine)
    manager = _login(client, engine, "manager")
    (row,) = client.get("/api/callbacks/metrics", headers=manager).json()
    assert (row["due"], row["completed"], row["callback_rate"]) == (1, 1, 1.0)


def test_rq_dashboard_is_for_admins_only(client: TestClient, engine: Bind) -> None:
    assert client.get("/admin/rq/").status_code == 401
    operator = _login(client, engine, "operator")
    assert client.get("/admin/rq/", headers=operator).status_code == 403
    admin = _login(client, engine, "admin")
    page = client.get("/admin/rq/", headers=admin, follow_redirects=True)
    assert page.status_code == 200 and "RQ" in page.text


def test_the_metrics_page_shows_each_outlets_figures(client: TestClient, engine: Bind) -> None:
    _unsatisfied_case(engine)
    assert client.get("/callbacks/metrics", follow_redirects=False).status_code == 303
    _sign_in_page(client, engine, "teller")
    assert client.get("/callbacks/metrics").status_code == 403
    _sign_in_page(client, engine, "manager")
    page = client.get("/callbacks/metrics")
    assert page.status_code == 200
    assert "回访率" in page.text and "100.0%" in page.text  # one due, one completed
    assert "回访统计" in client.get("/rankings").text  # in the navigation
    bad = client.get("/callbacks/metrics", params={"period": "March"})
    assert bad.status_code == 422 and "YYYY-MM" in bad.text


def _sign_in_page(client: TestClient, engine: Bind, role: str) -> None:
    password = make_user(engine, username=f"page-{role}", role=role)
    form = {"username": f"page-{role}", "password": password}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def test_a_project_contacts_task_names_its_month_project_and_loans(
    client: TestClient, engine: Bind
) -> None:
    moment = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    with Session(engine) as session:
        (_, task) = business(session, at=moment, kind="loan", contact_phone="+8613911112222")
        business(session, at=moment, kind="loan", contact_phone="+8613911112222")
        session.commit()
        task_id = task.id
    operator = _login(client, engine, "operator")
    shown = client.get(f"/api/callbacks/tasks/{task_id}", headers=operator).json()
    assert (shown["kind"], shown["contact_month"], shown["loans_covered"]) == (
        "project_contact",
        "2026-03",
        2,
    )
    assert shown["phone_masked"] == "139****2222"
