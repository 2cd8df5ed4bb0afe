"""Identity numbers: resident ID (GB 11643-1999), unit credit code (GB 32100-2015).

Messages never echo the number or reveal the expected check character: a teller re-checks the
card rather than "fixing" the last digit to whatever the system says.
"""

from datetime import date
from enum import StrEnum

from kernel.clock import local_date, utcnow
from kernel.errors import Invalid

# Full-width ASCII (U+FF01–U+FF5E) to half-width, as Chinese input methods often type it.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_SPACES = " \t\r\n\u3000"

# ISO 7064 MOD 11-2: weight of position i (0-based from the left) is 2^(17-i) mod 11.
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK = "10X98765432"  # indexed by (Σ weight × digit) mod 11

# GB 32100-2015: 31 characters (no I, O, Z, S, V); weight of position i is 3^i mod 31.
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# GB 11714-1997 organisation code inside the credit code (positions 9–17).
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

EARLIEST_BIRTH = date(1900, 1, 1)


def _normalise(raw: str) -> str:
    """Trim spaces (half- and full-width), fold full-width characters, upper-case."""
    return (raw or "").strip(_SPACES).translate(_FULL_WIDTH).upper()


def resident_id_check_char(body: str) -> str:
    """The MOD 11-2 check character for the first 17 digits of a resident ID."""
    total = sum(int(ch) * weight for ch, weight in zip(body, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _birth_date(text: str, *, today: date) -> date:
    """Parse YYYYMMDD from an ID and check it is a plausible birth date."""
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise Invalid("身份证号码第 7–14 位的出生日期不是有效日期，请核对身份证。") from None
    if born > today:
        raise Invalid("身份证号码中的出生日期晚于今天，请核对身份证。")
    if born < EARLIEST_BIRTH:
        raise Invalid("身份证号码中的出生日期早于 1900 年，请核对身份证。")
    return born


def validate_resident_id(raw: str, *, today: date | None = None) -> str:
    """Return the normalised 18-digit resident ID, or raise Invalid saying what is wrong."""
    text = _normalise(raw)
    if len(text) != 18:
        raise Invalid(f"身份证号码应为 18 位，当前为 {len(text)} 位，请核对。")
    if not text[:17].isdecimal() or not text[:17].isascii() or text[17] not in "0123456789X":
        raise Invalid("身份证号码含有无效字符：前 17 位应为数字，末位为数字或 X。")
    if text[0] not in "12345678":
        raise Invalid("身份证号码前 6 位地区码不正确（首位应为 1–8），请核对身份证。")
    _birth_date(text[6:14], today=today or local_date(utcnow()))
    if resident_id_check_char(text[:17]) != text[17]:
        raise Invalid("身份证号码校验位不符，请对照身份证原件重新核对号码。")
    return text


def mask_id_number(id_number: str) -> str:
    """110105********002X: area and the last four only (receipts, pages, APIs)."""
    return (
        f"{id_number[:6]}{'*' * 8}{id_number[-4:]}"
        if len(id_number) == 18
        else "*" * len(id_number)
    )


class Gender(StrEnum):
    """What a resident ID records in its 17th digit (odd 男, even 女)."""

    male = "male"
    female = "female"


def gender_of(resident_id: str | None) -> Gender | None:
    """The gender an 18-digit resident ID records; None when there is no readable one."""
    text = _normalise(resident_id or "")
    if len(text) != 18 or not text[16].isdecimal():
        return None
    return Gender.male if int(text[16]) % 2 else Gender.female


def make_resident_id(*, area: str, birth: date, sequence: int) -> str:
    """Build a valid resident ID (for tests and demo data); odd sequence = male by convention."""
    if len(area) != 6 or not area.isdecimal() or area[0] not in "12345678":
        raise ValueError(f"area must be 6 digits starting 1–8, got {area!r}")
    if not 0 <= sequence <= 999:
        raise ValueError(f"sequence must be 0–999, got {sequence}")
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + resident_id_check_char(body)


def credit_code_check_char(body: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a credit code."""
    total = sum(
        _CREDIT_CHARS.index(ch) * weight for ch, weight in zip(body, _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def validate_credit_code(raw: str) -> str:
    """Return the normalised 18-character unified social credit code, or raise Invalid."""
    text = _normalise(raw)
    if len(text) != 18:
        raise Invalid(f"统一社会信用代码应为 18 位，当前为 {len(text)} 位，请核对。")
    if any(ch not in _CREDIT_CHARS for ch in text):
        raise Invalid(
            "统一社会信用代码含有无效字符（只可为数字和除 I、O、Z、S、V 以外的大写字母）。"
        )
    if not text[2:8].isdecimal():
        raise Invalid("统一社会信用代码第 3–8 位应为行政区划码（数字），请核对营业执照。")
    if credit_code_check_char(text[:17]) != text[17]:
        raise Invalid("统一社会信用代码校验位不符，请对照营业执照重新核对代码。")
    return text


def _org_code_check_char(body: str) -> str:
    """The GB 11714-1997 check character for an 8-character organisation code body."""
    total = sum(int(ch, 36) * weight for ch, weight in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def make_credit_code(*, area: str, serial: int, authority: str = "9", category: str = "1") -> str:
    """Build a valid credit code (for tests and demo data); default 9/1 = 工商/企业."""
    if len(area) != 6 or not area.isdecimal():
        raise ValueError(f"area must be 6 digits, got {area!r}")
    if not 0 <= serial <= 99_999_999:
        raise ValueError(f"serial must be 0–99999999, got {serial}")
    if authority not in _CREDIT_CHARS or category not in _CREDIT_CHARS:
        raise ValueError("authority and category must be credit-code characters")
    org_body = f"{serial:08d}"
    body = f"{authority}{category}{area}{org_body}{_org_code_check_char(org_body)}"
    return body + credit_code_check_char(body)
