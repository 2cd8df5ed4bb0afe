"""Auditors' first checks: the contribution base floor, amount ceilings and sane months."""

from collections.abc import Callable
from datetime import date

import pytest
from sqlmodel import func, select

from core_ledger.accounts import service as accounts
from core_ledger.config import LedgerSettings, LedgerSettingsError, load_ledger_settings
from core_ledger.journal.models import Posting
from core_ledger.remittance import service as remittances
from core_ledger.remittance.models import Remittance
from core_ledger.remittance.roster import RosterLine, RowErrors
from core_ledger.withdrawals import service as withdrawals
from kernel.errors import Invalid
from kernel.periods import current_month, shift
from tests.core_ledger.conftest import Centre

pytestmark = pytest.mark.sqlite_too
LAST = shift(current_month(), -1)


def test_the_minimum_wage_is_a_dated_setting() -> None:
    settings = LedgerSettings(minimum_wage="2024-01-01:190000,2025-07-01:210000")
    assert settings.minimum_wage_on(date(2023, 12, 31)) is None
    assert settings.minimum_wage_on(date(2024, 1, 1)) == 190_000
    assert settings.minimum_wage_on(date(2025, 6, 30)) == 190_000
    assert settings.minimum_wage_on(date(2025, 7, 1)) == 210_000


@pytest.mark.parametrize("bad", ["2024-01-01", "2024-13-01:100", "2024-01-01:-5", "x:1"])
def test_a_bad_minimum_wage_table_names_the_variable(
    ledger_env: Callable[..., None], bad: str
) -> None:
    ledger_env(MINIMUM_WAGE=bad)
    with pytest.raises(LedgerSettingsError, match="HUIFANG_MINIMUM_WAGE"):
        load_ledger_settings()


def test_a_base_below_the_minimum_wage_is_refused_naming_the_floor(
    centre: Centre, ledger_env: Callable[..., None]
) -> None:
    ledger_env(MINIMUM_WAGE=f"{LAST}-01:210000")
    lines = [
        RosterLine(account_no=centre.accounts[0], wage_base_fen=200_000, row=2),
        RosterLine(account_no=centre.accounts[1], wage_base_fen=210_000, row=3),
    ]
    with pytest.raises(RowErrors) as refused:
        remittances.remit_at_counter(
            centre.session,
            unit_code=centre.unit_code,
            month=LAST,
            idempotency_key="low",
            outlet_code="WD01",
            teller_code="T01",
            lines=lines,
        )
    assert refused.value.errors == [
        f"第 2 行账号 {centre.accounts[0]} 的缴存基数 2,000.00 元低于 {LAST} 适用的"
        "最低工资标准 2,100.00 元，请按不低于最低工资标准调整缴存基数"
    ]
    assert centre.session.exec(select(func.count()).select_from(Remittance)).one() == 0


def test_the_roster_on_file_is_held_to_the_floor_too(
    centre: Centre, ledger_env: Callable[..., None]
) -> None:
    ledger_env(MINIMUM_WAGE=f"{LAST}-01:900000")  # above every base on file (8,000 yuan)
    with pytest.raises(RowErrors, match="低于 .* 适用的最低工资标准 9,000.00 元") as refused:
        centre.remit(LAST)
    assert len(refused.value.errors) == len(centre.accounts)
    assert centre.session.exec(select(func.count()).select_from(Posting)).one() == 0
    ledger_env(MINIMUM_WAGE=f"{current_month()}-01:900000")  # from this month: last month is fine
    centre.remit(LAST)


def test_a_wage_base_below_the_floor_cannot_be_registered(
    centre: Centre, ledger_env: Callable[..., None]
) -> None:
    ledger_env(MINIMUM_WAGE="2020-01-01:190000")
    with pytest.raises(Invalid, match="低于 .* 适用的最低工资标准 1,900.00 元"):
        accounts.set_wage_base(centre.session, account_no=centre.accounts[0], wage_base_fen=1)
    with pytest.raises(Invalid, match="缴存基数 .* 元超过单笔上限 1,000,000.00 元"):
        accounts.set_wage_base(centre.session, account_no=centre.accounts[0], wage_base_fen=2**62)


def test_absurd_amounts_are_refused_with_the_ceiling_named(centre: Centre) -> None:
    centre.remit(LAST)
    with pytest.raises(Invalid, match="提取金额 .* 元超过单笔上限 5,000,000.00 元"):
        withdrawals.post_withdrawal(
            centre.session,
            account_no=centre.accounts[0],
            amount_fen=2**62,
            outlet_code="WD01",
            teller_code="T01",
            idempotency_key="huge",
            reason="purchase",
            payee_account_no="6217000000000000001",
        )
    with pytest.raises(Invalid, match="缴存金额 .* 元超过单笔上限 100,000.00 元"):
        remittances.credit_individual(
            centre.session,
            account_no=centre.accounts[0],
            amount_fen=10_000_001,
            month=LAST,
            idempotency_key="huge-2",
        )
    assert centre.session.exec(select(func.count()).select_from(Posting)).one() == 1


@pytest.mark.parametrize(
    ("month", "words"),
    [
        ("0000-01", "年份应在 1990–2099 年之间"),  # refused by the calendar itself
        ("9999-12", "年份应在 1990–2099 年之间"),
        ("2004-12", "早于本中心最早可办理的月份 2005-01"),
        (shift(current_month(), 1), "未来月份"),
    ],
)
def test_months_out_of_range_are_refused(
    centre: Centre, ledger_env: Callable[..., None], month: str, words: str
) -> None:
    ledger_env(EARLIEST_MONTH="2005-01")
    with pytest.raises(Invalid, match=words):
        remittances.credit_individual(
            centre.session,
            account_no=centre.accounts[0],
            amount_fen=10_000,
            month=month,
            idempotency_key=f"m-{month}",
        )
    with pytest.raises(Invalid, match=words):
        remittances.arrears(centre.session, unit_code=centre.unit_code, through=month)


def test_a_unit_may_start_owing_next_month_but_not_in_the_far_future(centre: Centre) -> None:
    from core_ledger.identity import make_credit_code

    def register(first_month: str, serial: int) -> None:
        accounts.register_unit(
            centre.session,
            credit_code=make_credit_code(area="430902", serial=9000 + serial),
            name="新单位",
            contact_name="王会计",
            contact_phone="13800000002",
            bank_name="中国银行",
            bank_account_no="43001234567891",
            unit_rate="0.12",
            employee_rate="0.12",
            first_month=first_month,
        )

    register(shift(current_month(), 1), 1)
    with pytest.raises(Invalid, match="未来月份"):
        register(shift(current_month(), 13), 2)
