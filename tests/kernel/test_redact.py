"""No whole phone or ID number in a log line, whoever logs it and however."""

import logging

import pytest

from kernel.redact import RedactFilter, install, redact

ID_NUMBER = "11010519491231002X"


def test_phones_and_id_numbers_are_masked_and_other_numbers_left_alone() -> None:
    line = (
        f"call +8613812345678 (13900001111, 86 13700001234) for {ID_NUMBER}; "
        "abroad +12025550123; sid CA13812345678abcdef; posting 1733212345678; amount 1200000"
    )
    masked = redact(line)
    outside_the_sid = masked.replace("CA13812345678abcdef", "")
    for whole in ("13812345678", "13900001111", "13700001234", ID_NUMBER, "2025550123"):
        assert whole not in outside_the_sid
    assert "138****5678" in masked and "110105********002X" in masked
    assert "CA13812345678abcdef" in masked  # inside a Twilio sid: not a phone
    assert "1733212345678" in masked and "1200000" in masked
    encoded = redact("To=%2B8613812345678&Body=1")  # a form body or query string
    assert "13812345678" not in encoded and encoded.endswith("5678&Body=1")


def test_every_record_is_masked_after_install(caplog: pytest.LogCaptureFixture) -> None:
    install()
    install()  # twice is once
    log = logging.getLogger("huifang.test.redact")
    with caplog.at_level(logging.INFO):
        log.info("texted %s about %s", "+8613812345678", ID_NUMBER)
        try:
            raise ValueError(f"bad number 13812345678 for {ID_NUMBER}")
        except ValueError:
            log.exception("failed for %s", "+8613812345678")
    text = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    assert "13812345678" not in text and ID_NUMBER not in text
    assert "138****5678" in caplog.text


def test_the_filter_on_a_handler_masks_extra_fields_too() -> None:
    record = logging.makeLogRecord(
        {"msg": "phone %s", "args": ("13812345678",), "to": "+8613812345678"}
    )
    assert RedactFilter().filter(record) and record.getMessage() == "phone 138****5678"
    assert vars(record)["to"] == "138****5678"
