"""Withdrawals for someone else: the heir of a deceased depositor, an agent at the counter, the
documents each ground needs, and no closing withdrawal while a fund loan is open."""

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from callbacks.models import CallbackTask, TaskStatus
from callbacks.relay import relay_outbox
from core_ledger.accounts.models import Depositor
from core_ledger.identity import make_resident_id
from core_ledger.loans import service as loans
from core_ledger.outbox.models import OutboxEvent
from core_ledger.withdrawals.models import (
    PartyRole,
    PaymentInstruction,
    Withdrawal,
    WithdrawalDocument,
    WithdrawalParty,
)
from core_ledger.withdrawals.schemas import DocumentIn, PartyIn
from core_ledger.withdrawals.service import post_withdrawal
from kernel.errors import Conflict, Invalid
from kernel.periods import current_month, shift
from tests.conftest import Bind, make_user
from tests.core_ledger.conftest import HEIR, Centre, documents_for

pytestmark = pytest.mark.sqlite_too

AGENT = PartyIn(
    name="赵代办",
    id_number=make_resident_id(area="430902", birth=date(1975, 3, 9), sequence=22),
    phone="13655550002",
    relationship="朋友",
    document_ref="WT-2026-001",
)


@pytest.fixture
def funded(centre: Centre) -> Centre:
    centre.contribute()  # six months in a row: also enough to apply for a fund loan
    return centre


def _withdraw(centre: Centre, **change: object) -> Withdrawal:
    body: dict[str, object] = {
        "account_no": centre.accounts[0],
        "amount_fen": 100_000,
        "outlet_code": "WD01",
        "teller_code": "T01",
        "idempotency_key": "wd-1",
        "reason": "purchase",
        **change,
    }
    body.setdefault("documents", documents_for(str(body["reason"])))
    return post_withdrawal(centre.session, **body)  # type: ignore[arg-type]


def _called(centre: Centre) -> CallbackTask:
    relay_outbox(centre.session)
    return centre.session.exec(select(CallbackTask)).one()


def test_a_death_withdrawal_pays_and_calls_the_heir_never_the_deceased(funded: Centre) -> None:
    deceased = funded.session.get(Depositor, funded.account(funded.accounts[0]).depositor_id)
    assert deceased is not None
    withdrawal = _withdraw(funded, reason="death", amount_fen=None, heir=HEIR)
    payment = funded.session.exec(
        select(PaymentInstruction).where(PaymentInstruction.withdrawal_id == withdrawal.id)
    ).one()
    assert payment.payee_name == "王继承"
    heir = funded.session.exec(select(WithdrawalParty)).one()
    assert (heir.role, heir.phone, heir.relationship) == (PartyRole.heir, "+8613655550001", "子女")
    assert heir.document_ref == "(2026)湘岳证字第0001号"
    event = funded.session.exec(select(OutboxEvent)).one().payload
    assert event["person"]["phone"] == "+8613655550001"
    assert event["person"]["role"] == "heir" and event["person"]["name"] == "王继承"
    task = _called(funded)
    assert task.phone == "+8613655550001" and task.person_name == "王继承"
    assert deceased.phone not in str(event["person"]) and deceased.phone != task.phone
    # The deceased's number rides along only so that callbacks still owed to it end.
    assert event["deceased"] == {"phone": deceased.phone}


def test_callbacks_still_owed_to_the_deceased_end_with_the_death_withdrawal(
    funded: Centre,
) -> None:
    _withdraw(funded, idempotency_key="earlier")  # business of theirs, not yet called
    relay_outbox(funded.session)
    earlier = funded.session.exec(select(CallbackTask)).one()
    assert earlier.status == TaskStatus.scheduled
    _withdraw(funded, reason="death", amount_fen=None, heir=HEIR)
    relay_outbox(funded.session)
    funded.session.refresh(earlier)
    assert (earlier.status, earlier.close_reason) == (TaskStatus.closed, "deceased")
    heirs = funded.session.exec(select(CallbackTask).where(CallbackTask.id != earlier.id)).one()
    assert heirs.status == TaskStatus.scheduled and heirs.phone == "+8613655550001"


def test_a_death_withdrawal_without_an_heir_is_refused(funded: Centre) -> None:
    with pytest.raises(Invalid, match="须登记继承人"):
        _withdraw(funded, reason="death", amount_fen=None)
    with pytest.raises(Invalid, match="只有职工死亡提取才登记继承人"):
        _withdraw(funded, heir=HEIR)
    with pytest.raises(Invalid, match="继承人与死亡职工的关系"):
        _withdraw(
            funded,
            reason="death",
            amount_fen=None,
            heir=HEIR.model_copy(update={"relationship": ""}),
        )
    with pytest.raises(Invalid, match="继承人/受遗赠人：身份证号码校验位不符"):
        bad_id = HEIR.id_number[:17] + ("0" if HEIR.id_number[17] != "0" else "1")
        _withdraw(
            funded,
            reason="death",
            amount_fen=None,
            heir=HEIR.model_copy(update={"id_number": bad_id}),
        )
    assert funded.session.exec(select(Withdrawal)).all() == []


def test_the_deceased_cannot_be_their_own_heir(funded: Centre) -> None:
    depositor = funded.session.get(Depositor, funded.account(funded.accounts[0]).depositor_id)
    assert depositor is not None
    own = HEIR.model_copy(update={"id_number": depositor.id_number})
    with pytest.raises(Invalid, match="不能是死亡职工本人"):
        _withdraw(funded, reason="death", amount_fen=None, heir=own)
    their_phone = HEIR.model_copy(update={"phone": depositor.phone})
    with pytest.raises(Invalid, match="请填写继承人本人的手机号"):
        _withdraw(funded, reason="death", amount_fen=None, heir=their_phone)


def test_an_agent_is_recorded_and_called(funded: Centre) -> None:
    with pytest.raises(Invalid, match="授权委托书"):
        _withdraw(funded, agent=AGENT)  # the power of attorney is missing
    _withdraw(funded, agent=AGENT, documents=documents_for("purchase", agent=True))
    agent = funded.session.exec(select(WithdrawalParty)).one()
    assert (agent.role, agent.name, agent.phone) == (PartyRole.agent, "赵代办", "+8613655550002")
    task = _called(funded)
    assert task.phone == "+8613655550002" and task.person_name == "赵代办"


def test_an_agent_for_an_heir_is_the_one_called_and_the_heir_is_paid(funded: Centre) -> None:
    withdrawal = _withdraw(
        funded,
        reason="death",
        amount_fen=None,
        heir=HEIR,
        agent=AGENT,
        documents=documents_for("death", agent=True),
    )
    roles = funded.session.exec(select(WithdrawalParty.role).order_by(WithdrawalParty.role)).all()
    assert sorted(roles) == ["agent", "heir"]
    payment = funded.session.exec(
        select(PaymentInstruction).where(PaymentInstruction.withdrawal_id == withdrawal.id)
    ).one()
    assert payment.payee_name == "王继承"  # the money is the heir's
    task = _called(funded)
    assert task.phone == "+8613655550002"  # the agent met the teller


def test_without_heir_or_agent_the_depositor_is_called(funded: Centre) -> None:
    _withdraw(funded)
    task = _called(funded)
    assert task.phone.startswith("+86139") and task.person_name.startswith("职工")


def test_each_ground_names_the_documents_it_is_missing(funded: Centre) -> None:
    with pytest.raises(Invalid, match="购买自住住房提取缺少要件：购房发票；"):
        _withdraw(funded, documents=[DocumentIn(kind="purchase_contract", number="HT-1")])
    with pytest.raises(Invalid, match="离退休证明"):
        _withdraw(funded, reason="retirement", amount_fen=None, documents=[])
    with pytest.raises(Invalid, match="要件类型不正确"):
        _withdraw(funded, documents=[DocumentIn(kind="selfie", number="1")])
    with pytest.raises(Invalid, match="须填写证件或文书编号"):
        _withdraw(funded, documents=[DocumentIn(kind="purchase_contract", number=" ")])
    assert funded.session.exec(select(Withdrawal)).all() == []
    withdrawal = _withdraw(funded)
    filed = funded.session.exec(
        select(WithdrawalDocument.kind).where(WithdrawalDocument.withdrawal_id == withdrawal.id)
    ).all()
    assert sorted(filed) == ["purchase_contract", "purchase_invoice"]


@pytest.mark.parametrize("ground", ["retirement", "abroad", "incapacity", "death"])
def test_a_closing_withdrawal_waits_until_the_fund_loan_is_settled(
    funded: Centre, ground: str
) -> None:
    loan = loans.post_loan(
        funded.session,
        account_no=funded.accounts[0],
        project_code="LP01",
        amount_fen=15_000_000,
        term_months=120,
        outlet_code="WD01",
        teller_code="T01",
        idempotency_key="loan-1",
    )
    before = funded.balance(funded.accounts[0])
    with pytest.raises(Conflict, match="须先结清贷款") as refused:
        _withdraw(funded, reason=ground, amount_fen=None, heir=HEIR if ground == "death" else None)
    assert f"贷款号 {loan.id}" in refused.value.message
    assert "剩余本金 150,000.00 元" in refused.value.message
    assert funded.balance(funded.accounts[0]) == before
    assert funded.session.exec(select(Withdrawal)).all() == []
    _withdraw(funded, reason="loan_repayment", amount_fen=100_000)  # not closing: allowed


def test_over_http_a_death_withdrawal_names_its_heir_and_documents(
    client: TestClient, engine: Bind, committed_centre: Centre
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        committed_centre.session = session
        committed_centre.remit(shift(current_month(), -1))
        session.commit()
    password = make_user(engine, username="teller1", role="teller", staff_code="T01")
    token = client.post("/api/auth/token", data={"username": "teller1", "password": password})
    teller = {"Authorization": f"Bearer {token.json()['access_token']}"}
    body: dict[str, Any] = {
        "account_no": committed_centre.accounts[0],
        "outlet_code": "WD01",
        "teller_code": "T01",
        "idempotency_key": "death-1",
        "reason": "death",
    }
    missing = client.post("/api/ledger/withdrawals", json=body, headers=teller)
    assert missing.status_code == 422
    assert "缺少要件：死亡证明、继承权公证书或法院判决书" in missing.json()["detail"]
    body["documents"] = [d.model_dump() for d in documents_for("death")]
    no_heir = client.post("/api/ledger/withdrawals", json=body, headers=teller)
    assert no_heir.status_code == 422 and "须登记继承人" in no_heir.json()["detail"]
    body["heir"] = HEIR.model_dump()
    posted = client.post("/api/ledger/withdrawals", json=body, headers=teller)
    assert posted.status_code == 201, posted.text
    with Session(engine) as session:
        event = session.exec(select(OutboxEvent)).one().payload
        payee = session.exec(select(PaymentInstruction.payee_name)).one()
    assert event["person"]["role"] == "heir" and event["person"]["phone"] == "+8613655550001"
    assert payee == "王继承"
    filed = client.get(f"/api/ledger/withdrawals/{event['business_id']}", headers=teller)
    assert filed.status_code == 200, filed.text
    shown = filed.json()
    assert (shown["ground_zh"], shown["payee_name"], shown["called"]) == (
        "职工死亡（继承提取）",
        "王继承",
        "heir",
    )
    assert [d["kind_zh"] for d in shown["documents"]] == ["死亡证明", "继承权公证书或法院判决书"]
    [heir] = shown["parties"]
    assert heir["phone_masked"] == "136****0001" and "*" * 8 in heir["id_number_masked"]
    assert HEIR.id_number not in filed.text and "13655550001" not in filed.text
    missing = client.get("/api/ledger/withdrawals/999999", headers=teller)
    assert missing.status_code == 404 and "找不到提取业务" in missing.json()["detail"]


def test_a_pending_loan_application_also_holds_a_closing_withdrawal(funded: Centre) -> None:
    applied = loans.apply_loan(
        funded.session,
        account_no=funded.accounts[0],
        project_code="LP01",
        amount_fen=15_000_000,
        term_months=120,
        outlet_code="WD01",
        teller_code="T01",
        idempotency_key="loan-1",
    )
    with pytest.raises(Conflict, match=f"贷款申请（贷款号 {applied.id}），须先撤回或办结"):
        _withdraw(funded, reason="retirement", amount_fen=None)
    loans.review_loan(
        funded.session, loan_id=applied.id or 0, approve=False, reason="资料不全", user_id=None
    )
    closed = _withdraw(funded, reason="retirement", amount_fen=None)  # a rejected one does not
    assert closed.closes_account
