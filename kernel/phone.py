"""Phone numbers: stored in E.164, shown masked to whoever does not need them whole.

Parsing and validation are Google's libphonenumber (the `phonenumbers` package): it knows which
mobile prefixes are allocated, the 0086 / 86 prefixes, full-width digits and every country's
lengths, and it is updated as numbering plans change. Chinese numbers must be mobiles, since
callbacks fall back to SMS; a number abroad only has to be valid (some countries, the US among
them, do not tell a mobile from a landline).
"""

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from kernel.errors import Invalid

DEFAULT_REGION = "CN"
_HINT = "应为 11 位手机号，如 13812345678；境外号码请以 + 和国家代码开头"
_MOBILE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalize(raw: str) -> str:
    """The E.164 form of a Chinese mobile or a valid number abroad; raise Invalid otherwise."""
    try:
        number = phonenumbers.parse(raw or "", DEFAULT_REGION)
    except NumberParseException as error:
        raise _refused(raw) from error
    national = str(number.national_number)
    if number.extension:
        raise _refused(raw, "带有分机号，回访无法拨打分机")
    if not phonenumbers.is_valid_number(number):
        if number.country_code == 86 and len(national) == 11 and national.startswith("1"):
            raise _refused(raw, f"号段 {national[:3]} 不是已分配的手机号段")
        raise _refused(raw)
    if number.country_code == 86 and phonenumbers.number_type(number) not in _MOBILE:
        raise _refused(raw, "是固定电话，回访需要能收短信的手机号")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _refused(raw: str, why: str = "") -> Invalid:
    reason = f"{why}；" if why else ""
    return Invalid(f"手机号码格式不正确：{raw!r}（{reason}{_HINT}）")


def mask(e164: str) -> str:
    """Mask a number for display: +8613812345678 -> 138****5678."""
    national = e164[3:] if e164.startswith("+86") else e164.lstrip("+")
    if len(national) < 8:
        return "*" * len(national)
    return f"{national[:3]}****{national[-4:]}"
