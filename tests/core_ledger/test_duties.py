"""Separation of duties (maker-checker) over HTTP: money going out needs two people."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from core_ledger.journal.books import check_books
from core_ledger.journal.models import LateEntry, Posting
from core_ledger.remittance.models import Remittance
from kernel.clock import as_utc, utcnow
from kernel.periods import current_month, shift
from tests.conftest import Bind, make_user
from tests.core_ledger.conftest import Centre

LAST = shift(current_month(), -1)


def login(
    client: TestClient, engine: Bind, username: str, role: str, staff_code: str | None = None
) -> dict[str, str]:
    password = make_user(engine, username=username, role=role, staff_code=staff_code)
    answer = client.post("/api/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.mark.parametrize(
    ("path", "allowed", "label"),
    [
        ("/api/ledger/interest/settlements", "supervisor", "柜员"),
        ("/api/ledger/repayments/run", "supervisor", "柜员"),
        ("/api/ledger/payments/999/settlement", "finance", "柜员"),
        ("/api/ledger/remittances/999/bank-confirmation", "finance", "柜员"),
    ],
)
def test_a_teller_cannot_settle_confirm_or_run_what_belongs_to_finance_or_a_supervisor(
    client: TestClient,
    engine: Bind,
    committed_centre: Centre,
    path: str,
    allowed: str,
    label: str,
) -> None:
    body = {"paid": True, "bank_ref": "B1", "amount_fen": 100, "failure_reason": ""}
    teller = login(client, engine, "teller1", "teller")
    refused = client.post(path, json=body, headers=teller)
    assert refused.status_code == 403
    assert f"当前账号（{label}）无权执行此操作" in refused.json()["detail"]
    other = "finance" if allowed == "supervisor" else "supervisor"
    wrong = client.post(path, json=body, headers=login(client, engine, "x", other))
    assert wrong.status_code == 403
    permitted = client.post(path, json=body, headers=login(client, engine, "y", allowed))
    assert permitted.status_code != 403, permitted.text  # 200, or 404 for the made-up number


def _loan_body(centre: Centre) -> dict[str, object]:
    return {
        "account_no": centre.accounts[0],
        "amount_fen": 10_000_000,
        "term_months": 120,
        "outlet_code": "WD01",
        "teller_code": "T01",
        "idempotency_key": "loan-1",
        "project_code": "LP01",
        "first_home": True,  # ignored: 首套/二套 comes from the records
    }


def test_a_loan_needs_a_second_person_to_review_it(
    client: TestClient, engine: Bind, committed_centre: Centre
) -> None:
    committed_centre.contribute()
    committed_centre.session.commit()
    maker = login(client, engine, "maker", "teller", staff_code="T01")
    applied = client.post(
        "/api/ledger/loans/applications", json=_loan_body(committed_centre), headers=maker
    )
    assert applied.status_code == 201, applied.text
    loan_id = applied.json()["id"]
    own = client.post(f"/api/ledger/loans/{loan_id}/review", json={"approve": True}, headers=maker)
    assert own.status_code == 403
    assert "不能由您本人审批" in own.json()["detail"]
    early = client.post(f"/api/ledger/loans/{loan_id}/disbursement", headers=maker)
    assert early.status_code == 409 and "审批通过后才能放款" in early.json()["detail"]
    checker = login(client, engine, "checker", "supervisor")
    reviewed = client.post(
        f"/api/ledger/loans/{loan_id}/review", json={"approve": True}, headers=checker
    )
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "approved"
    paid = client.post(f"/api/ledger/loans/{loan_id}/disbursement", headers=maker)
    assert paid.status_code == 200 and paid.json()["status"] == "disbursed"
    one_step = client.post("/api/ledger/loans", json=_loan_body(committed_centre), headers=maker)
    assert one_step.status_code in (404, 405)  # there is no one-person loan any more


def test_a_reversal_is_asked_by_one_person_and_approved_by_another(
    client: TestClient, engine: Bind, committed_centre: Centre
) -> None:
    remittance_id = committed_centre.remit(LAST)
    committed_centre.session.commit()
    asker = login(client, engine, "asker", "teller", staff_code="T01")
    asked = client.post(
        f"/api/ledger/remittances/{remittance_id}/reversal",
        json={"reason": "单位多报了人员", "idempotency_key": "rv-1"},
        headers=asker,
    )
    assert asked.status_code == 201 and asked.json()["state"] == "待审批", asked.text
    request_id = asked.json()["id"]
    with Session(engine) as session:
        assert session.get(Remittance, remittance_id).status == "posted"  # type: ignore[union-attr]
    twice = client.post(
        f"/api/ledger/remittances/{remittance_id}/reversal",
        json={"reason": "再次申请", "idempotency_key": "rv-2"},
        headers=asker,
    )
    assert twice.status_code == 409 and "已有冲正申请" in twice.json()["detail"]
    own = client.post(f"/api/ledger/reversal-requests/{request_id}/approval", headers=asker)
    assert own.status_code == 403 and "不能由您本人审批" in own.json()["detail"]
    approver = login(client, engine, "approver", "supervisor")
    done = client.post(f"/api/ledger/reversal-requests/{request_id}/approval", headers=approver)
    assert done.status_code == 200 and done.json()["state"] == "已冲正", done.text
    with Session(engine) as session:
        assert session.get(Remittance, remittance_id).status == "reversed"  # type: ignore[union-attr]
        assert check_books(session) == []


def test_only_a_supervisor_enters_business_late_and_says_why(
    client: TestClient, engine: Bind, committed_centre: Centre
) -> None:
    yesterday = (utcnow() - timedelta(days=1)).isoformat()
    body = {
        "month": LAST,
        "idempotency_key": "late-1",
        "outlet_code": "WD01",
        "teller_code": "T01",
        "occurred_at": yesterday,
    }
    path = f"/api/ledger/units/{committed_centre.unit_code}/remittances"
    teller = client.post(path, json=body, headers=login(client, engine, "t", "teller", "T01"))
    assert teller.status_code == 403 and "业务主管补录" in teller.json()["detail"]
    supervisor = login(client, engine, "s", "supervisor")
    no_reason = client.post(path, json=body, headers=supervisor)
    assert no_reason.status_code == 422 and "补录原因" in no_reason.json()["detail"]
    late = client.post(
        path, json={**body, "late_reason": "系统停机期间手工受理"}, headers=supervisor
    )
    assert late.status_code == 201, late.text
    with Session(engine) as session:
        entry = session.exec(select(LateEntry)).one()
        posting = session.get(Posting, entry.posting_id)
        assert posting is not None and entry.reason == "系统停机期间手工受理"
        assert (
            as_utc(posting.occurred_at)
            == as_utc(entry.occurred_at)
            < utcnow() - timedelta(hours=23)
        )
    on_time = client.post(
        path,
        json={**body, "idempotency_key": "late-2", "month": shift(LAST, -1), "occurred_at": None},
        headers=login(client, engine, "t2", "teller", "T01"),
    )
    assert on_time.status_code == 201, on_time.text
    with Session(engine) as session:
        assert len(session.exec(select(LateEntry)).all()) == 1  # the teller's business is on time


def test_a_teller_sees_the_loan_limits_and_records_a_spouse(
    client: TestClient, engine: Bind, committed_centre: Centre
) -> None:
    committed_centre.contribute()
    committed_centre.session.commit()
    teller = login(client, engine, "t", "teller", "T01")
    husband, wife, _ = committed_centre.accounts
    limits = client.get(f"/api/ledger/loans/limits/{husband}", headers=teller)
    assert limits.status_code == 200, limits.text
    shown = limits.json()
    assert (shown["contribution_months"], shown["ceiling_fen"]) == (6, 17_280_000)
    assert shown["first_home"] is True and shown["max_term_months"] > 240
    linked = client.put(
        f"/api/ledger/accounts/{husband}/spouse",
        json={"spouse_account_no": wife},
        headers=teller,
    )
    assert linked.status_code == 200, linked.text
    again = client.put(
        f"/api/ledger/accounts/{husband}/spouse", json={"spouse_account_no": wife}, headers=teller
    )
    assert again.status_code == 200  # the same link: nothing changes
    self_link = client.put(
        f"/api/ledger/accounts/{wife}/spouse", json={"spouse_account_no": wife}, headers=teller
    )
    assert self_link.status_code == 422 and "配偶不能是本人" in self_link.json()["detail"]
    unknown = client.get("/api/ledger/loans/limits/899999999999", headers=teller)
    assert unknown.status_code == 404 and "找不到公积金账号" in unknown.json()["detail"]
