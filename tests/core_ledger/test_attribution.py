"""Counter business goes under the signed-in teller: no other teller's code, no backdating."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from core_ledger.journal.models import Posting
from core_ledger.org import service as org
from core_ledger.org.models import Staff
from kernel.audit import AuditAction, AuditEvent
from kernel.clock import utcnow
from kernel.periods import current_month, shift
from tests.conftest import Bind, make_user
from tests.core_ledger.conftest import Centre, documents_for


def _bearer(
    client: TestClient, engine: Bind, username: str, role: str, **link: str
) -> dict[str, str]:
    password = make_user(engine, username=username, role=role, **link)
    answer = client.post("/api/auth/token", data={"username": username, "password": password})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
def funded(engine: Bind, committed_centre: Centre) -> Centre:
    """WD01 with tellers T01 and T02 (both 城东), and a depositor with a month paid in."""
    with Session(engine, expire_on_commit=False) as session:
        committed_centre.session = session
        committed_centre.remit(shift(current_month(), -1))
        org.create_staff(session, code="T02", name="王强", outlet_code="WD01", phone="13900002222")
        session.commit()
    return committed_centre


def _withdrawal(centre: Centre, key: str, **fields: Any) -> dict[str, Any]:
    body = {"account_no": centre.accounts[0], "amount_fen": 10_000, "idempotency_key": key}
    documents = [d.model_dump() for d in documents_for("purchase")]
    return {**body, "reason": "purchase", "documents": documents, **fields}


def _postings(engine: Bind) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Posting)).one())


def _staff_of_last_posting(engine: Bind) -> str:
    with Session(engine) as session:
        posting = session.exec(select(Posting).order_by(col(Posting.id).desc())).first()
        assert posting is not None
        staff = session.get(Staff, posting.teller_id)
        assert staff is not None
        return staff.code


def test_a_teller_posts_under_their_own_name_without_typing_a_code(
    client: TestClient, engine: Bind, funded: Centre
) -> None:
    teller = _bearer(client, engine, "li", "teller", staff_code="T01")
    posted = client.post("/api/ledger/withdrawals", json=_withdrawal(funded, "w1"), headers=teller)
    assert posted.status_code == 201, posted.text
    assert _staff_of_last_posting(engine) == "T01"


def test_a_teller_cannot_post_under_another_tellers_code_or_outlet(
    client: TestClient, engine: Bind, funded: Centre
) -> None:
    teller = _bearer(client, engine, "li", "teller", staff_code="T01")
    before = _postings(engine)
    other = _withdrawal(funded, "w2", teller_code="T02", outlet_code="WD01")
    answer = client.post("/api/ledger/withdrawals", json=other, headers=teller)
    assert answer.status_code == 403
    assert (
        answer.json()["detail"]
        == "业务记在办理人本人名下：账号 li 是柜员 T01，不能以柜员 T02 的名义办理"
    )
    elsewhere = client.post(
        "/api/ledger/withdrawals",
        json=_withdrawal(funded, "w3", outlet_code="WD09"),
        headers=teller,
    )
    assert elsewhere.status_code == 403 and "不能记在网点 WD09" in elsewhere.json()["detail"]
    assert _postings(engine) == before


def test_a_teller_cannot_backdate_business_into_last_months_ranking(
    client: TestClient, engine: Bind, funded: Centre
) -> None:
    teller = _bearer(client, engine, "li", "teller", staff_code="T01")
    before = _postings(engine)
    last_month = (utcnow() - timedelta(days=35)).isoformat()
    answer = client.post(
        "/api/ledger/withdrawals",
        json=_withdrawal(funded, "w4", occurred_at=last_month),
        headers=teller,
    )
    assert answer.status_code == 403
    assert (
        "柜员只能登记当天的业务" in answer.json()["detail"]
        and "业务主管补录" in answer.json()["detail"]
    )
    assert _postings(engine) == before
    just_now = (utcnow() - timedelta(seconds=30)).isoformat()
    today = client.post(
        "/api/ledger/withdrawals",
        json=_withdrawal(funded, "w5", occurred_at=just_now),
        headers=teller,
    )
    assert today.status_code == 201, today.text


def test_an_account_without_a_staff_record_cannot_post_at_the_counter(
    client: TestClient, engine: Bind, funded: Centre
) -> None:
    for role in ("teller", "manager"):
        headers = _bearer(client, engine, f"nobody-{role}", role)
        body = _withdrawal(funded, f"w-{role}", teller_code="T01", outlet_code="WD01")
        answer = client.post("/api/ledger/withdrawals", json=body, headers=headers)
        assert answer.status_code == 403 and "未关联柜员档案" in answer.json()["detail"], role


def test_a_supervisor_enters_late_business_for_a_named_teller_and_it_is_audited(
    client: TestClient, engine: Bind, funded: Centre
) -> None:
    supervisor = _bearer(client, engine, "boss-zhang", "supervisor")
    unnamed = client.post(
        "/api/ledger/withdrawals", json=_withdrawal(funded, "w6"), headers=supervisor
    )
    assert unnamed.status_code == 422 and "须注明网点编号" in unnamed.json()["detail"]
    yesterday = (utcnow() - timedelta(days=1)).isoformat()
    body = _withdrawal(funded, "w7", teller_code="T02", outlet_code="WD01", occurred_at=yesterday)
    body["late_reason"] = "系统停机期间手工受理"  # late business says why (late_entry)
    posted = client.post("/api/ledger/withdrawals", json=body, headers=supervisor)
    assert posted.status_code == 201, posted.text
    assert _staff_of_last_posting(engine) == "T02"
    with Session(engine) as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == AuditAction.business_on_behalf)
        ).one()
        assert (event.actor, event.subject) == ("boss-zhang", "teller:T02")
        assert event.reason is not None and event.reason.startswith("提取，网点 WD01，办理时间 ")
