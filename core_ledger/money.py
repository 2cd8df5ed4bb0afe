"""Money is an integer number of fen (分); this module is the one place rounding rules live.

Every rounding rule of the centre, in one place:

1. Amounts are stored and passed as integer fen, never floats. Rates are ``Decimal``.
2. Any amount × rate (``apply_rate``) is computed exactly in ``Decimal`` and rounded once,
   ROUND_HALF_UP, to the fen: 0.5 fen and above goes up, below goes down. Ties on negative
   amounts round away from zero (Decimal's ROUND_HALF_UP), so a reversal mirrors its posting.
3. Monthly contributions (汇缴, 月缴存额) are rounded half up to the whole yuan
   (计算到元，元以下四舍五入) — ``round_fen(..., unit_fen=100)``; see ``remittance.contribution``.
4. Loan installments (等额本息): the payment from the annuity formula is rounded half up to the
   fen; each month's interest on the remaining balance is rounded half up to the fen; the
   last installment absorbs every rounding difference so principal repaid equals the loan.
5. Deposit interest (积数计息): the product Σ daily closing balance × annual rate / 360 is rounded
   half up to the fen once per period — never day by day.
6. Offset repayment (对冲还贷) moves an exact amount of fen; nothing is rounded.
"""

import re
from decimal import ROUND_HALF_UP, Decimal

from kernel.errors import Invalid

FEN_PER_YUAN = 100

_YUAN = re.compile(r"^(-?)(\d+)(?:\.(\d{1,2}))?$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d*)?$")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")


def round_fen(amount: Decimal, *, unit_fen: int = 1) -> int:
    """Round an exact amount of fen ROUND_HALF_UP to a whole multiple of unit_fen."""
    if unit_fen <= 0:
        raise ValueError("unit_fen must be positive")
    units = (amount / unit_fen).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(units) * unit_fen


def round_fen_sql(amount_sql: str, *, unit_fen: int = 1) -> str:
    """`round_fen` as PostgreSQL computes it, set-based, over an exact numeric SQL expression.

    PostgreSQL's round(numeric, -n) rounds half away from zero, the same as ROUND_HALF_UP on
    the positive amounts it is used for; no division, so nothing is lost on the way. Only a
    power-of-ten unit (fen, jiao, yuan) has such a form.
    """
    digits = len(str(unit_fen)) - 1
    if unit_fen != 10**digits:
        raise ValueError("unit_fen must be a power of ten")
    return f"round({amount_sql}, {-digits})"


def apply_rate(amount_fen: int, rate: Decimal) -> int:
    """Return amount × rate rounded ROUND_HALF_UP to the fen."""
    return round_fen(Decimal(amount_fen) * rate)


def round_to_yuan(fen: int) -> int:
    """Round an amount of fen half up to the whole yuan (still in fen): 12350 -> 12400."""
    return round_fen(Decimal(fen), unit_fen=FEN_PER_YUAN)


def yuan_str(fen: int) -> str:
    """Format fen as yuan with thousands separators: 123456 -> '1,234.56'."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{yuan:,}.{cents:02d}"


def parse_yuan(text: str, *, allow_negative: bool = False) -> int:
    """Parse a yuan amount typed by a person ('1,234.56', '１２３４．５') into fen."""
    cleaned = (text or "").strip().translate(_FULL_WIDTH).removeprefix("¥").removeprefix("￥")
    if "," in cleaned:
        if not _THOUSANDS.match(cleaned):
            raise Invalid(f"金额格式不正确：{text!r}（千位分隔符位置不对，如 1,234.56）")
        cleaned = cleaned.replace(",", "")
    match = _YUAN.match(cleaned)
    if not match:
        raise Invalid(f"金额格式不正确：{text!r}（应为元，最多两位小数，如 1234.56）")
    sign, yuan, cents = match.groups()
    if sign and not allow_negative:
        raise Invalid(f"金额不能为负数：{text!r}")
    fen = int(yuan) * FEN_PER_YUAN + int((cents or "").ljust(2, "0"))
    return -fen if sign else fen


def percent_str(rate: Decimal) -> str:
    """Format a rate for a person: Decimal('0.125') -> '12.5%'."""
    return f"{(rate * 100).normalize():f}%"
