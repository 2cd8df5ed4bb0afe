"""The ledger over HTTP: who may do what, clear 4xx answers, self-service upload end to end."""

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlmodel import Session, func, select

from core_ledger.identity import make_credit_code
from core_ledger.journal.models import Posting
from kernel.periods import current_month, shift
from tests.conftest import Bind, make_user
from tests.core_ledger.conftest import Centre

LAST = shift(current_month(), -1)


def _login(
    client: TestClient, engine: Bind, username: str, role: str, staff_code: str | None = None
) -> dict[str, str]:
    password = make_user(engine, username=username, role=role, staff_code=staff_code)
    answer = client.post("/api/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
def teller(client: TestClient, engine: Bind, committed_centre: Centre) -> dict[str, str]:
    """The centre's teller T01, signed in (their business is theirs)."""
    return _login(client, engine, "teller1", "teller", staff_code=committed_centre.teller)


@pytest.fixture
def unit_admin(
    client: TestClient, engine: Bind, teller: dict[str, str], committed_centre: Centre
) -> dict[str, str]:
    headers = _login(client, engine, "hr1", "unit_admin")
    linked = client.post(
        f"/api/ledger/units/{committed_centre.unit_code}/administrators",
        json={"username": "hr1"},
        headers=teller,
    )
    assert linked.status_code == 201, linked.text
    return headers


UNIT = {
    "credit_code": make_credit_code(area="430902", serial=777),
    "name": "市第一人民医院",
    "contact_name": "张会计",
    "contact_phone": "138 0000 0001",
    "bank_name": "中国建设银行",
    "bank_account_no": "43001234567890",
    "unit_rate": "0.12",
    "employee_rate": "0.08",
}


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({}, 201, ""),
        ({"unit_rate": "0.13"}, 422, "单位缴存比例应在 5% 至 12% 之间"),
        ({"employee_rate": "0.04"}, 422, "个人缴存比例应在 5% 至 12% 之间"),
        ({"credit_code": "91430902000000019X"}, 422, "校验位不符"),
        ({"contact_phone": "123"}, 422, "手机号码格式不正确"),
    ],
)
def test_registering_a_unit(
    client: TestClient,
    engine: Bind,
    teller: dict[str, str],
    change: dict[str, Any],
    status: int,
    words: str,
) -> None:
    answer = client.post("/api/ledger/units", json={**UNIT, **change}, headers=teller)
    assert answer.status_code == status, answer.text
    if status == 201:
        assert answer.json()["code"].startswith("DW")
        assert answer.json()["contact_phone_masked"] == "138****0001"
        again = client.post("/api/ledger/units", json=UNIT, headers=teller)
        assert again.status_code == 409
    else:
        assert words in answer.json()["detail"]


def test_a_bad_id_checksum_is_refused(client: TestClient, teller: dict[str, str]) -> None:
    answer = client.post(
        "/api/ledger/depositors",
        json={"id_number": "110105194912310021", "name": "王芳", "phone": "13812345678"},
        headers=teller,
    )
    assert answer.status_code == 422
    assert "校验位不符" in answer.json()["detail"]


def test_a_counter_remittance_over_http(
    client: TestClient, engine: Bind, teller: dict[str, str], committed_centre: Centre
) -> None:
    body = {"month": LAST, "idempotency_key": "r1", "outlet_code": "WD01", "teller_code": "T01"}
    path = f"/api/ledger/units/{committed_centre.unit_code}/remittances"
    first = client.post(path, json=body, headers=teller)
    assert first.status_code == 201, first.text
    assert first.json()["total_fen"] == 576_000 and first.json()["receipt_no"].startswith("PJ")
    assert client.post(path, json=body, headers=teller).json() == first.json()
    conflict = client.post(path, json={**body, "month": shift(LAST, -1)}, headers=teller)
    assert conflict.status_code == 409 and "幂等键" in conflict.json()["detail"]
    paid = client.post(path, json={**body, "idempotency_key": "r2"}, headers=teller)
    assert paid.status_code == 409 and "已入账" in paid.json()["detail"]
    receipt = client.get(f"/api/ledger/receipts/{first.json()['receipt_no']}", headers=teller)
    assert receipt.json()["业务类型"] == "单位汇缴"
    printable = client.get(
        f"/api/ledger/receipts/{first.json()['receipt_no']}/print", headers=teller
    )
    assert "住房公积金业务凭证" in printable.text
    books = client.get("/api/ledger/books", headers=teller).json()
    assert books["balanced"] and books["trial_balance"]["deposits"] == -576_000


def test_duplicate_depositor_and_unknown_unit_over_http(
    client: TestClient, teller: dict[str, str], committed_centre: Centre
) -> None:
    account = committed_centre.accounts[0]
    body = {
        "month": LAST,
        "idempotency_key": "dup",
        "outlet_code": "WD01",
        "teller_code": "T01",
        "lines": [{"account_no": account}, {"account_no": account}],
    }
    answer = client.post(
        f"/api/ledger/units/{committed_centre.unit_code}/remittances", json=body, headers=teller
    )
    assert answer.status_code == 422 and "重复" in answer.json()["detail"]
    unknown = client.post("/api/ledger/units/DW404/remittances", json=body, headers=teller)
    assert unknown.status_code == 404 and "找不到单位" in unknown.json()["detail"]


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_self_service_upload_review_and_bank_confirmation(
    client: TestClient,
    engine: Bind,
    teller: dict[str, str],
    unit_admin: dict[str, str],
    committed_centre: Centre,
) -> None:
    rows: list[list[object]] = [["账号", "姓名", "缴存基数"]]
    rows += [[a, None, "6000.00"] for a in committed_centre.accounts]
    answer = client.post(
        "/api/ledger/self-service/remittances/upload",
        data={"month": LAST, "idempotency_key": "web-1"},
        files={"file": ("清册.xlsx", _xlsx(rows), "application/octet-stream")},
        headers=unit_admin,
    )
    assert answer.status_code == 201, answer.text
    submitted = answer.json()
    assert submitted["status"] == "submitted" and submitted["total_fen"] == 3 * 2 * 72_000
    queue = client.get("/api/ledger/remittances", params={"status": "submitted"}, headers=teller)
    assert [r["id"] for r in queue.json()] == [submitted["id"]]
    forbidden = client.post(
        f"/api/ledger/remittances/{submitted['id']}/review",
        json={"approve": True},
        headers=unit_admin,
    )
    assert forbidden.status_code == 403
    reviewed = client.post(
        f"/api/ledger/remittances/{submitted['id']}/review",
        json={"approve": True},
        headers=teller,
    )
    assert reviewed.json()["reviewed_by"] == "teller1"
    by_teller = client.post(
        f"/api/ledger/remittances/{submitted['id']}/bank-confirmation",
        json={"bank_ref": "CCB001", "amount_fen": 432_000},
        headers=teller,
    )
    assert by_teller.status_code == 403 and "柜员" in by_teller.json()["detail"]
    confirmed = client.post(
        f"/api/ledger/remittances/{submitted['id']}/bank-confirmation",
        json={"bank_ref": "CCB001", "amount_fen": 432_000},
        headers=_login(client, engine, "finance1", "finance"),
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "posted"
    mine = client.get("/api/ledger/self-service/remittances", headers=unit_admin).json()
    assert [r["status"] for r in mine] == ["posted"]
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Posting)).one() == 1


def test_a_unit_admin_cannot_post_at_the_counter(
    client: TestClient, unit_admin: dict[str, str], committed_centre: Centre
) -> None:
    body = {"month": LAST, "idempotency_key": "x", "outlet_code": "WD01", "teller_code": "T01"}
    answer = client.post(
        f"/api/ledger/units/{committed_centre.unit_code}/remittances", json=body, headers=unit_admin
    )
    assert answer.status_code == 403


def test_an_upload_with_bad_rows_names_them(
    client: TestClient, unit_admin: dict[str, str], committed_centre: Centre
) -> None:
    csv_text = "账号,缴存基数\n" + f"{committed_centre.accounts[0]},abc\n" + ",100\n"
    answer = client.post(
        "/api/ledger/self-service/remittances/upload",
        data={"month": LAST, "idempotency_key": "web-bad"},
        files={"file": ("list.csv", csv_text.encode("gb18030"), "text/csv")},
        headers=unit_admin,
    )
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "第 2 行" in detail and "金额格式不正确" in detail and "第 3 行缺少账号" in detail
    wrong_type = client.post(
        "/api/ledger/self-service/remittances/upload",
        data={"month": LAST, "idempotency_key": "web-pdf"},
        files={"file": ("list.pdf", b"%PDF", "application/pdf")},
        headers=unit_admin,
    )
    assert wrong_type.status_code == 422 and "不支持的文件类型" in wrong_type.json()["detail"]


def test_a_loan_over_http_names_a_contracted_project(
    client: TestClient, teller: dict[str, str], committed_centre: Centre
) -> None:
    committed_centre.contribute()
    committed_centre.session.commit()
    body = {
        "account_no": committed_centre.accounts[0],
        "amount_fen": 10_000_000,
        "outlet_code": "WD01",
        "teller_code": "T01",
        "idempotency_key": "loan-1",
        "project_code": "LP01",
        "offset_repayment": True,
    }
    answer = client.post("/api/ledger/loans/applications", json=body, headers=teller)
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "applied" and answer.json()["first_home"] is True
    unknown = client.post(
        "/api/ledger/loans/applications",
        json={**body, "idempotency_key": "loan-2", "project_code": "NOPE"},
        headers=teller,
    )
    assert unknown.status_code == 404 and "找不到签约楼盘" in unknown.json()["detail"]
