"""缴存比例: a unit's and its employees' deposit rates, each within 5%–12%."""

from decimal import Decimal, InvalidOperation

from core_ledger.money import percent_str
from kernel.errors import Invalid

MIN_RATE = Decimal("0.05")
MAX_RATE = Decimal("0.12")


def validate_rate(rate: Decimal, *, name: str) -> Decimal:
    """Return the rate if it lies within 5%–12%; otherwise raise Invalid naming it."""
    if not rate.is_finite() or not MIN_RATE <= rate <= MAX_RATE:
        shown = percent_str(rate) if rate.is_finite() else str(rate)
        raise Invalid(
            f"{name}应在 {percent_str(MIN_RATE)} 至 {percent_str(MAX_RATE)} 之间，当前为 {shown}。"
        )
    return rate


def as_rate(value: Decimal | str | float, *, name: str) -> Decimal:
    """A deposit rate from a request ('0.12'), checked to lie within 5%–12%."""
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        raise Invalid(f"{name}格式不正确：{value!r}（应为小数，如 0.12 表示 12%）") from None
    exponent = rate.as_tuple().exponent  # a letter for NaN and infinity: validate_rate refuses
    if isinstance(exponent, int) and exponent < -4:
        raise Invalid(f"{name}最多精确到万分之一（如 0.0725），收到 {value}")
    return validate_rate(rate, name=name)
