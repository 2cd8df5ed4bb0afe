"""Unit remittances (汇缴 / 补缴) at the counter and self-service, on the real database."""

import pytest
from sqlmodel import Session, func, select

from core_ledger.accounts import service as accounts
from core_ledger.journal.books import check_books
from core_ledger.journal.idempotency import IdempotencyConflict
from core_ledger.journal.models import Posting
from core_ledger.remittance import service as remittances
from core_ledger.remittance.models import Remittance, RemittanceLine, RemittanceStatus
from core_ledger.remittance.roster import RosterLine, RowErrors
from core_ledger.withdrawals.service import post_withdrawal
from kernel.auth import create_user
from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from kernel.periods import current_month, shift
from tests.core_ledger.conftest import Centre, documents_for

# On SQLite (the demo) the roster is checked in Python, not in the database: run there too.
pytestmark = pytest.mark.sqlite_too

LAST = shift(current_month(), -1)


def test_a_monthly_remittance_credits_every_depositor_in_one_posting(centre: Centre) -> None:
    remittance_id = centre.remit(LAST)
    remittance = centre.session.get(Remittance, remittance_id)
    assert remittance is not None and remittance.status == RemittanceStatus.posted
    # 8,000.00 yuan × 12% = 960 yuan for each share
    assert (remittance.headcount, remittance.unit_fen, remittance.employee_fen) == (
        3,
        288_000,
        288_000,
    )
    assert [centre.balance(a) for a in centre.accounts] == [192_000] * 3
    assert centre.session.exec(select(func.count()).select_from(Posting)).one() == 1
    assert check_books(centre.session) == []


def test_the_wage_base_is_capped_at_three_times_the_average_wage(centre: Centre) -> None:
    rich = centre.add_depositor(wage_base_fen=10_000_000)  # 100,000 yuan a month
    centre.remit(LAST)
    assert centre.balance(rich) == 2 * 270_000  # 22,500 yuan cap × 12%, both shares
    line = centre.session.exec(
        select(RemittanceLine).where(RemittanceLine.fund_account_id == centre.account(rich).id)
    ).one()
    assert line.wage_base_fen == 2_250_000


def test_a_month_already_paid_is_refused_unless_supplementary(centre: Centre) -> None:
    centre.remit(LAST)
    with pytest.raises(Conflict, match="已入账.*补缴"):
        centre.remit(LAST, key="again")
    late = centre.add_depositor()
    done = remittances.remit_at_counter(
        centre.session,
        unit_code=centre.unit_code,
        month=LAST,
        kind="supplementary",
        idempotency_key="supp-1",
        outlet_code="WD01",
        teller_code="T01",
    )
    assert done.headcount == 1  # only the depositor the month missed
    assert centre.balance(late) == 192_000
    with pytest.raises(Invalid, match="没有需要补缴"):
        remittances.remit_at_counter(
            centre.session,
            unit_code=centre.unit_code,
            month=LAST,
            kind="supplementary",
            idempotency_key="supp-2",
            outlet_code="WD01",
            teller_code="T01",
        )


def test_a_supplementary_list_naming_a_paid_depositor_is_refused(centre: Centre) -> None:
    centre.remit(LAST)
    with pytest.raises(RowErrors, match="已缴存"):
        remittances.remit_at_counter(
            centre.session,
            unit_code=centre.unit_code,
            month=LAST,
            kind="supplementary",
            lines=[RosterLine(account_no=centre.accounts[0])],
            idempotency_key="supp-x",
            outlet_code="WD01",
            teller_code="T01",
        )


def test_a_list_with_bad_rows_names_each_and_posts_nothing(centre: Centre) -> None:
    other_unit = centre.add_unit()
    stranger = centre.add_depositor(unit_code=other_unit)
    lines = [
        RosterLine(account_no=centre.accounts[0], row=2),
        RosterLine(account_no=centre.accounts[0], row=3),
        RosterLine(account_no="899999999999", row=4),
        RosterLine(account_no=stranger, row=5),
        RosterLine(account_no=centre.accounts[1], wage_base_fen=0, row=6),
        RosterLine(account_no=centre.accounts[2], name="别人", row=7),
    ]
    with pytest.raises(RowErrors) as caught:
        remittances.remit_at_counter(
            centre.session,
            unit_code=centre.unit_code,
            month=LAST,
            lines=lines,
            idempotency_key="bad",
            outlet_code="WD01",
            teller_code="T01",
        )
    errors = caught.value.errors
    assert len(errors) == 5
    assert "第 3 行" in errors[0] and "重复" in errors[0]
    assert "第 4 行" in errors[1] and "不存在" in errors[1]
    assert "第 5 行" in errors[2] and "不属于本单位" in errors[2]
    assert "第 6 行" in errors[3] and "缴存基数" in errors[3]
    assert "第 7 行" in errors[4] and "姓名" in errors[4]
    assert centre.session.exec(select(func.count()).select_from(Remittance)).one() == 0


@pytest.mark.parametrize(
    ("month", "error", "words"),
    [
        ("2026-13", Invalid, "缴存月份格式不正确"),
        (shift(current_month(), 1), Invalid, "未来月份"),
        (shift(current_month(), -12), Invalid, "补缴"),  # before the unit's first month
    ],
)
def test_bad_months_are_refused(
    centre: Centre, month: str, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        centre.remit(month)


def test_unknown_unit_and_closed_or_sealed_accounts(centre: Centre) -> None:
    with pytest.raises(NotFound, match="找不到单位"):
        centre.remit(LAST, unit_code="DW99999999")
    accounts.change_status(
        centre.session, account_no=centre.accounts[0], action="seal", reason="离职"
    )
    remittance = centre.session.get(Remittance, centre.remit(LAST))
    assert remittance is not None and remittance.headcount == 2  # a sealed account is not owed
    with pytest.raises(RowErrors, match="封存"):
        remittances.remit_at_counter(
            centre.session,
            unit_code=centre.unit_code,
            month=shift(LAST, -1),
            lines=[RosterLine(account_no=centre.accounts[0])],
            idempotency_key="sealed",
            outlet_code="WD01",
            teller_code="T01",
        )


def test_same_key_same_request_replays_and_a_different_request_conflicts(centre: Centre) -> None:
    first = centre.remit(LAST, key="k1")
    assert centre.remit(LAST, key="k1") == first
    with pytest.raises(IdempotencyConflict):
        centre.remit(shift(LAST, -1), key="k1")
    assert [centre.balance(a) for a in centre.accounts] == [192_000] * 3


def test_arrears_list_the_months_not_paid(centre: Centre) -> None:
    first = shift(current_month(), -3)
    centre.remit(first)
    owed = remittances.arrears(centre.session, unit_code=centre.unit_code)
    assert [(m.month, m.state) for m in owed] == [
        (shift(first, 1), "unpaid"),
        (shift(first, 2), "unpaid"),
    ]


def _unit_admin(centre: Centre, username: str = "hr1") -> int:
    user = create_user(centre.session, username=username, role="unit_admin", password="secret-123")
    accounts.link_administrator(centre.session, unit_code=centre.unit_code, username=username)
    return user.id or 0


def test_self_service_waits_for_review_then_posts_on_the_bank_transfer(centre: Centre) -> None:
    admin_id = _unit_admin(centre)
    teller = create_user(centre.session, username="t1", role="teller", password="secret-123")
    unit = accounts.get_unit(centre.session, code=centre.unit_code)
    submitted = remittances.submit(
        centre.session, unit=unit, month=LAST, idempotency_key="web-1", user_id=admin_id
    )
    assert submitted.status == RemittanceStatus.submitted
    assert centre.balance(centre.accounts[0]) == 0
    with pytest.raises(Conflict, match="已审核"):
        remittances.confirm_transfer(
            centre.session, remittance_id=submitted.id or 0, bank_ref="B1", amount_fen=576_000
        )
    reviewed = remittances.review(
        centre.session,
        remittance_id=submitted.id or 0,
        approve=True,
        reason="",
        user_id=teller.id or 0,
    )
    assert (reviewed.status, reviewed.reviewed_by_user_id) == ("approved", teller.id)
    assert reviewed.reviewed_at is not None
    with pytest.raises(Conflict, match="不符"):
        remittances.confirm_transfer(
            centre.session, remittance_id=submitted.id or 0, bank_ref="B1", amount_fen=1
        )
    posted = remittances.confirm_transfer(
        centre.session, remittance_id=submitted.id or 0, bank_ref="B1", amount_fen=576_000
    )
    again = remittances.confirm_transfer(
        centre.session, remittance_id=submitted.id or 0, bank_ref="B1", amount_fen=576_000
    )
    assert posted.status == again.status == RemittanceStatus.posted
    assert [centre.balance(a) for a in centre.accounts] == [192_000] * 3


def test_a_rejection_needs_a_reason_and_frees_the_month(centre: Centre) -> None:
    admin_id = _unit_admin(centre)
    unit = accounts.get_unit(centre.session, code=centre.unit_code)
    submitted = remittances.submit(
        centre.session, unit=unit, month=LAST, idempotency_key="web-1", user_id=admin_id
    )
    with pytest.raises(Conflict, match="正在审核"):
        remittances.submit(
            centre.session, unit=unit, month=LAST, idempotency_key="web-2", user_id=admin_id
        )
    with pytest.raises(Invalid, match="退回原因"):
        remittances.review(
            centre.session, remittance_id=submitted.id or 0, approve=False, reason=" ", user_id=1
        )
    rejected = remittances.review(
        centre.session,
        remittance_id=submitted.id or 0,
        approve=False,
        reason="基数未按年度调整",
        user_id=admin_id,
    )
    assert (rejected.status, rejected.review_reason) == ("rejected", "基数未按年度调整")
    again = remittances.submit(
        centre.session, unit=unit, month=LAST, idempotency_key="web-2", user_id=admin_id
    )
    assert again.status == RemittanceStatus.submitted


def test_a_user_not_linked_to_a_unit_cannot_act_for_one(centre: Centre) -> None:
    user = create_user(centre.session, username="nobody", role="unit_admin", password="secret-123")
    with pytest.raises(Forbidden, match="未绑定"):
        accounts.unit_of(centre.session, user=user)
    teller = create_user(centre.session, username="t9", role="teller", password="secret-123")
    with pytest.raises(Invalid, match="unit_admin"):
        accounts.link_administrator(centre.session, unit_code=centre.unit_code, username="t9")
    assert teller.id


def test_a_reversal_takes_every_credit_back_and_reopens_the_month(centre: Centre) -> None:
    remittance_id = centre.remit(LAST)
    reversal = remittances.reverse_remittance(
        centre.session, remittance_id=remittance_id, reason="单位重复汇款", idempotency_key="rev-1"
    )
    assert reversal.reverses_id is not None
    assert [centre.balance(a) for a in centre.accounts] == [0, 0, 0]
    with pytest.raises(Conflict):
        remittances.reverse_remittance(
            centre.session, remittance_id=remittance_id, reason="再来", idempotency_key="rev-2"
        )
    centre.remit(LAST, key="after-reversal")
    assert check_books(centre.session) == []


def test_a_reversal_that_would_overdraw_is_refused(centre: Centre) -> None:
    remittance_id = centre.remit(LAST)
    post_withdrawal(
        centre.session,
        account_no=centre.accounts[0],
        amount_fen=100_000,
        outlet_code="WD01",
        teller_code="T01",
        idempotency_key="wd",
        documents=documents_for("purchase"),
    )
    with pytest.raises(Conflict, match="不足以冲回"):
        remittances.reverse_remittance(
            centre.session, remittance_id=remittance_id, reason="错", idempotency_key="rev"
        )


def test_bulk_balances_agree_with_objects_already_loaded(session: Session, centre: Centre) -> None:
    loaded = centre.account(centre.accounts[0])
    centre.remit(LAST)
    assert loaded.balance_fen == 192_000  # expired by the bulk UPDATE, read again


def test_a_roster_depositor_without_a_wage_base_is_named_and_nothing_is_written(
    centre: Centre,
) -> None:
    unbased = centre.add_depositor(wage_base_fen=0)
    with pytest.raises(RowErrors, match=f"账号 {unbased} 未登记缴存基数"):
        centre.remit(LAST)
    assert centre.session.exec(select(func.count()).select_from(Remittance)).one() == 0
    assert centre.session.exec(select(func.count()).select_from(RemittanceLine)).one() == 0


def test_the_roster_on_file_refuses_a_depositor_a_supplementary_already_paid(
    centre: Centre,
) -> None:
    remittances.remit_at_counter(
        centre.session,
        unit_code=centre.unit_code,
        month=LAST,
        kind="supplementary",
        lines=[RosterLine(account_no=centre.accounts[1])],
        idempotency_key="supp-first",
        outlet_code="WD01",
        teller_code="T01",
    )
    with pytest.raises(RowErrors, match=f"账号 {centre.accounts[1]} 的 {LAST} 已缴存"):
        centre.remit(LAST)


def test_the_roster_on_file_and_the_same_list_give_the_same_lines(centre: Centre) -> None:
    odd = [centre.add_depositor(wage_base_fen=wage) for wage in (800_417, 1_000_999, 9_999_999)]
    roster = centre.session.get(Remittance, centre.remit(LAST))
    listed = remittances.remit_at_counter(
        centre.session,
        unit_code=centre.unit_code,
        month=shift(LAST, -1),
        lines=[RosterLine(account_no=no) for no in centre.accounts + odd],
        idempotency_key="listed",
        outlet_code="WD01",
        teller_code="T01",
    )
    assert roster is not None

    def lines_of(remittance: Remittance) -> list[tuple[int, int, int, int]]:
        rows = centre.session.exec(
            select(RemittanceLine).where(RemittanceLine.remittance_id == remittance.id)
        )
        return sorted(
            (r.fund_account_id, r.wage_base_fen, r.unit_fen, r.employee_fen) for r in rows
        )

    assert lines_of(roster) == lines_of(listed)
    assert (roster.headcount, roster.unit_fen, roster.employee_fen, roster.total_fen) == (
        listed.headcount,
        listed.unit_fen,
        listed.employee_fen,
        listed.total_fen,
    )
    assert check_books(centre.session) == []
