"""No whole phone or ID number in any log line: a filter that masks them in every record.

A log line outlives the database row it talks about (it is shipped, grepped and kept by other
systems), so the numbers are masked where the record is made — `install()` wraps the logging
record factory, so every logger and every handler (ours, uvicorn's, RQ's, and any installed
later) sees masked text — and `RedactFilter` is added to the root logger's handlers, and should
be named in any handler configured later, for the `extra=` fields set after the record is made.
"""

import logging
import re
from typing import Any

# Whole numbers only: a run of letters or digits around them (a Twilio SID, a timestamp) is
# something else. A Chinese mobile with or without +86 / 86; any other E.164 number; an
# 18-character resident ID (its last character may be X).
_EDGE_BEFORE = r"(?<![0-9A-Za-z])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
_MOBILE = re.compile(_EDGE_BEFORE + r"(\+?86[- ]?)?(1[3-9]\d)(\d{4})(\d{4})" + _EDGE_AFTER)
_E164 = re.compile(r"(?<![0-9A-Za-z+])\+(\d{1,3})(\d{4,10})(\d{4})" + _EDGE_AFTER)
_RESIDENT_ID = re.compile(_EDGE_BEFORE + r"(\d{6})\d{8}(\d{3}[0-9Xx])" + _EDGE_AFTER)
# Percent-encoded "+" (a phone in a query string or a form body).
_ENCODED_PLUS = re.compile(r"%2B(\d{1,3})(\d{4,10})(\d{4})" + _EDGE_AFTER, re.IGNORECASE)


def redact(text: str) -> str:
    """The text with every whole phone and ID number masked (138****5678, 430902********1234)."""
    text = _RESIDENT_ID.sub(lambda m: f"{m[1]}********{m[2][-4:]}", text)
    text = _MOBILE.sub(lambda m: f"{m[2]}****{m[4]}", text)
    text = _E164.sub(lambda m: f"+{m[1]}{'*' * len(m[2])}{m[3]}", text)
    return _ENCODED_PLUS.sub(lambda m: f"%2B{m[1]}{'*' * len(m[2])}{m[3]}", text)


class RedactFilter(logging.Filter):
    """Mask phones and ID numbers in a record's message, arguments and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let logging report it as it would
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # The formatted traceback, masked, stands in for the exception itself, whose text
            # a formatter would otherwise print whole.
            record.exc_text, record.exc_info = redact(record.exc_text), None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and isinstance(value, str):
                setattr(record, name, redact(value))  # `extra=` fields a JSON formatter emits
        return True  # masking twice changes nothing: masked text matches no pattern


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_FILTER = RedactFilter()


def install() -> None:
    """Mask every record this process makes from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "redacting", False):
        return

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        _FILTER.filter(record)
        return record

    redacting_factory.redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting_factory)
    # `extra=` fields are set after the factory returns: the handlers' filter masks those.
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactFilter) for f in handler.filters):
            handler.addFilter(_FILTER)
