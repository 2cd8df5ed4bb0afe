"""Reading and checking the form fields the Twilio SDK sends, with Twilio's error codes."""

import re
from urllib.parse import urlsplit

from starlette.datastructures import FormData

from twilio_emulator.errors import bad_request

_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
# Chinese numbers: an 11-digit mobile, or an area code with a landline or service number.
_CN_NATIONAL = re.compile(r"^(1[3-9]\d{9}|[2-9]\d{6,10})$")


def text(form: FormData, name: str) -> str | None:
    """A single form field, None when absent or blank."""
    value = form.get(name)
    if not isinstance(value, str) or value.strip() == "":
        return None
    return value.strip()


def method(form: FormData, name: str) -> str:
    """An HTTP method field (GET or POST, default POST)."""
    value = (text(form, name) or "POST").upper()
    if value not in ("GET", "POST"):
        raise bad_request(21205, f"{name} must be either GET or POST")
    return value


def events(form: FormData, name: str, default: list[str]) -> list[str]:
    """A repeated field (the SDK sends one per value); spaces also separate values."""
    values = [part for raw in form.getlist(name) if isinstance(raw, str) for part in raw.split()]
    return values or default


def is_phone_number(number: str) -> bool:
    """Whether Twilio would dial or text this number (E.164, plausible for its country)."""
    if not _E164.match(number):
        return False
    return not number.startswith("+86") or bool(_CN_NATIONAL.match(number[3:]))


def is_url(value: str) -> bool:
    """An absolute http(s) URL with a host, as Twilio requires for webhooks."""
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "_" not in parts.netloc


def call_to(form: FormData) -> str:
    """The To of a new call, checked."""
    to = text(form, "To")
    if to is None:
        raise bad_request(21201, "No 'To' number is specified")
    if not is_phone_number(to):
        raise bad_request(21211, f"Invalid 'To' Phone Number: {to}")
    return to


def call_from(form: FormData) -> str:
    """The From of a new call, checked."""
    sender = text(form, "From")
    if sender is None:
        raise bad_request(21213, "No 'From' number is specified")
    if not is_phone_number(sender):
        raise bad_request(21212, f"Invalid 'From' Phone Number: {sender}")
    return sender


def webhook_url(form: FormData, name: str, *, required: bool = False) -> str | None:
    """A URL field: absent is fine unless required; malformed is 21205 like Twilio's Url."""
    url = text(form, name)
    if url is None:
        if required:
            raise bad_request(21205, f"{name} parameter is required")
        return None
    if not is_url(url):
        raise bad_request(21205, f"{name} is not a valid URL: {url}")
    return url
