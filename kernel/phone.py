"""Phone numbers: stored in E.164, shown masked to whoever does not need them whole."""

import re

from kernel.errors import Invalid

_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_SEPARATORS = re.compile(r"[\s\-()（）－　]")


def normalize(raw: str) -> str:
    """Return the E.164 form of a Chinese mobile or any E.164 number; raise Invalid otherwise."""
    text = _SEPARATORS.sub("", raw or "")
    text = text.translate(str.maketrans("０１２３４５６７８９＋", "0123456789+"))
    if text.startswith("0086"):
        text = "+86" + text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = "+" + text
    if _CN_MOBILE.match(text):
        return "+86" + text
    if text.startswith("+86") and not _CN_MOBILE.match(text[3:]):
        raise Invalid(f"手机号码格式不正确：{raw!r}（应为 11 位手机号，如 13812345678）")
    if _E164.match(text):
        return text
    raise Invalid(f"手机号码格式不正确：{raw!r}（应为 11 位手机号，如 13812345678）")


def mask(e164: str) -> str:
    """Mask a number for display: +8613812345678 -> 138****5678."""
    national = e164[3:] if e164.startswith("+86") else e164.lstrip("+")
    if len(national) < 8:
        return "*" * len(national)
    return f"{national[:3]}****{national[-4:]}"
