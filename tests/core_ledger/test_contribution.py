import random
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import Session

from core_ledger.accounts.rates import validate_rate
from core_ledger.config import LedgerSettingsError, get_ledger_settings
from core_ledger.remittance.contribution import Contribution, monthly_contribution, share_sql
from kernel.errors import Invalid

CAP = 2_250_000  # 3 × 7,500.00 yuan
TWELVE = Decimal("0.12")


def test_both_shares_at_twelve_percent_of_an_uncapped_wage() -> None:
    result = monthly_contribution(
        wage_base_fen=800_000, unit_rate=TWELVE, employee_rate=TWELVE, base_cap_fen=CAP
    )
    assert result == Contribution(unit_fen=96_000, employee_fen=96_000, base_fen=800_000)
    assert result.total_fen == 192_000


@pytest.mark.parametrize(
    ("wage", "rate", "expected"),
    [
        (800_417, TWELVE, 96_100),  # 960.5004 yuan -> 961
        (800_416, TWELVE, 96_000),  # 960.4992 yuan -> 960
        (1_001_000, Decimal("0.05"), 50_100),  # exactly 500.50 yuan -> 501
        (1_000_999, Decimal("0.05"), 50_000),  # 500.4995 yuan -> 500
    ],
)
def test_shares_round_half_up_to_the_whole_yuan(wage: int, rate: Decimal, expected: int) -> None:
    result = monthly_contribution(
        wage_base_fen=wage, unit_rate=rate, employee_rate=rate, base_cap_fen=CAP
    )
    assert (result.unit_fen, result.employee_fen) == (expected, expected)


def test_unit_of_rounding_can_be_the_fen() -> None:
    result = monthly_contribution(
        wage_base_fen=800_417,
        unit_rate=TWELVE,
        employee_rate=Decimal("0.05"),
        base_cap_fen=CAP,
        rounding_unit_fen=1,
    )
    assert (result.unit_fen, result.employee_fen) == (96_050, 40_021)  # 96050.04, 40020.85


def test_wage_above_the_cap_contributes_on_the_cap() -> None:
    result = monthly_contribution(
        wage_base_fen=3_000_000, unit_rate=TWELVE, employee_rate=TWELVE, base_cap_fen=CAP
    )
    assert result == Contribution(unit_fen=270_000, employee_fen=270_000, base_fen=CAP)


def test_wage_below_the_floor_contributes_on_the_floor() -> None:
    result = monthly_contribution(
        wage_base_fen=150_000,
        unit_rate=Decimal("0.05"),
        employee_rate=Decimal("0.05"),
        base_cap_fen=CAP,
        base_floor_fen=200_000,
    )
    assert result == Contribution(unit_fen=10_000, employee_fen=10_000, base_fen=200_000)


def test_a_floor_above_the_cap_is_refused() -> None:
    with pytest.raises(Invalid, match="下限"):
        monthly_contribution(
            wage_base_fen=150_000,
            unit_rate=TWELVE,
            employee_rate=TWELVE,
            base_cap_fen=100_000,
            base_floor_fen=200_000,
        )


def test_negative_wage_is_refused() -> None:
    with pytest.raises(Invalid, match="不能为负数"):
        monthly_contribution(
            wage_base_fen=-1, unit_rate=TWELVE, employee_rate=TWELVE, base_cap_fen=CAP
        )


@pytest.mark.parametrize(
    ("unit_rate", "employee_rate", "message"),
    [
        (Decimal("0.13"), TWELVE, "单位缴存比例应在 5% 至 12% 之间，当前为 13%"),
        (TWELVE, Decimal("0.049"), "个人缴存比例应在 5% 至 12% 之间，当前为 4.9%"),
        (Decimal("NaN"), TWELVE, "单位缴存比例"),
    ],
)
def test_rates_outside_five_to_twelve_percent_are_named(
    unit_rate: Decimal, employee_rate: Decimal, message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        monthly_contribution(
            wage_base_fen=800_000,
            unit_rate=unit_rate,
            employee_rate=employee_rate,
            base_cap_fen=CAP,
        )


@pytest.mark.parametrize("rate", [Decimal("0.05"), Decimal("0.12"), Decimal("0.075")])
def test_rate_bounds_are_inclusive(rate: Decimal) -> None:
    assert validate_rate(rate, name="单位缴存比例") == rate


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_ledger_settings.cache_clear()
    yield
    get_ledger_settings.cache_clear()


def test_base_cap_comes_from_the_average_wage_setting(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("HUIFANG_AVERAGE_MONTHLY_WAGE_FEN", "800000")
    assert get_ledger_settings().base_cap_fen == 2_400_000


def test_a_bad_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("HUIFANG_AVERAGE_MONTHLY_WAGE_FEN", "-5")
    with pytest.raises(LedgerSettingsError, match="HUIFANG_AVERAGE_MONTHLY_WAGE_FEN"):
        get_ledger_settings()


_rates = st.decimals(min_value=Decimal("0.05"), max_value=Decimal("0.12"), places=4)


@given(
    wage=st.integers(min_value=0, max_value=10**9),
    cap=st.integers(min_value=1, max_value=10**8),
    unit_rate=_rates,
    employee_rate=_rates,
)
def test_shares_never_exceed_twelve_percent_of_the_capped_base(
    wage: int, cap: int, unit_rate: Decimal, employee_rate: Decimal
) -> None:
    result = monthly_contribution(
        wage_base_fen=wage, unit_rate=unit_rate, employee_rate=employee_rate, base_cap_fen=cap
    )
    assert result.base_fen == min(wage, cap)
    # Rounding to the yuan can add at most half a yuan to the exact share.
    ceiling = Decimal(result.base_fen) * TWELVE + 50
    for share in (result.unit_fen, result.employee_fen):
        assert 0 <= share <= ceiling
        assert share % 100 == 0


def test_postgresql_computes_the_same_shares_as_the_rule(session: Session) -> None:
    """The roster remittance computes shares in SQL (`share_sql`); it must agree with
    `monthly_contribution` to the fen, ties and the cap included."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("share_sql is PostgreSQL's")
    rng = random.Random(12329)
    rates = [Decimal("0.05"), TWELVE, Decimal("0.075"), Decimal("0.0833"), Decimal("0.1199")]
    bases = [1, 49, 50, 800_416, 800_417, 1_000_999, 1_001_000, CAP - 1, CAP, CAP + 1, 10**9]
    bases += [rng.randint(1, 3_000_000) for _ in range(3_000)]
    # Exact ties at half a yuan for each rate: base × rate = k yuan + 50 fen.
    for rate in rates:
        bases += [b for b in range(1, 20_000) if (Decimal(b) * rate) % 100 == 50][:20]
    statement = text(
        f"SELECT b, {share_sql('LEAST(b, :cap)', 'rate')} "
        "FROM unnest(CAST(:bases AS bigint[])) AS t(b)"
    )
    for rate in rates:
        rows = session.execute(statement, {"cap": CAP, "rate": str(rate), "bases": bases})
        for base, share in rows:
            rule = monthly_contribution(
                wage_base_fen=base, unit_rate=rate, employee_rate=rate, base_cap_fen=CAP
            )
            assert share == rule.unit_fen, (base, rate)
