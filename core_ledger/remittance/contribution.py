"""Monthly contributions (汇缴): the unit's and the employee's shares of a capped wage base."""

from dataclasses import dataclass
from decimal import Decimal

from core_ledger.accounts.rates import validate_rate
from core_ledger.money import FEN_PER_YUAN, round_fen, round_fen_sql, yuan_str
from kernel.errors import Invalid


@dataclass(frozen=True)
class Contribution:
    """One depositor's monthly contribution (月缴存额), in fen."""

    unit_fen: int
    employee_fen: int
    base_fen: int

    @property
    def total_fen(self) -> int:
        """What the unit remits for this depositor: both shares."""
        return self.unit_fen + self.employee_fen


def contribution_base(
    *, wage_base_fen: int, base_cap_fen: int, base_floor_fen: int | None = None
) -> int:
    """The wage base after the cap (and the floor, where the city sets one)."""
    if wage_base_fen < 0:
        raise Invalid(f"缴存基数不能为负数：{yuan_str(wage_base_fen)} 元。")
    if base_floor_fen is not None and base_floor_fen > base_cap_fen:
        raise Invalid(
            f"缴存基数下限 {yuan_str(base_floor_fen)} 元高于上限 {yuan_str(base_cap_fen)} 元，"
            "请联系管理员核对参数。"
        )
    base = min(wage_base_fen, base_cap_fen)
    if base_floor_fen is not None:
        base = max(base, base_floor_fen)
    return base


def monthly_contribution(
    *,
    wage_base_fen: int,
    unit_rate: Decimal,
    employee_rate: Decimal,
    base_cap_fen: int,
    base_floor_fen: int | None = None,
    rounding_unit_fen: int = FEN_PER_YUAN,
) -> Contribution:
    """Each share = capped base × its rate, rounded half up to the yuan (计算到元，元以下四舍五入).

    The unit of rounding defaults to the yuan as most cities' rules say; a city that rounds to
    the jiao or fen passes 10 or 1.
    """
    validate_rate(unit_rate, name="单位缴存比例")
    validate_rate(employee_rate, name="个人缴存比例")
    base = contribution_base(
        wage_base_fen=wage_base_fen, base_cap_fen=base_cap_fen, base_floor_fen=base_floor_fen
    )
    return Contribution(
        unit_fen=round_fen(Decimal(base) * unit_rate, unit_fen=rounding_unit_fen),
        employee_fen=round_fen(Decimal(base) * employee_rate, unit_fen=rounding_unit_fen),
        base_fen=base,
    )


def share_sql(
    capped_base_sql: str, rate_param: str, *, rounding_unit_fen: int = FEN_PER_YUAN
) -> str:
    """One share of `monthly_contribution` as PostgreSQL computes it for many rows at once:
    capped base × rate in exact numeric, rounded by `round_fen_sql` (tests prove both agree).

    `capped_base_sql` is an SQL expression of the base after the cap; `rate_param` names a bound
    parameter holding a rate already checked by `validate_rate`.
    """
    product = f"(CAST({capped_base_sql} AS numeric) * CAST(:{rate_param} AS numeric))"
    return f"CAST({round_fen_sql(product, unit_fen=rounding_unit_fen)} AS bigint)"
