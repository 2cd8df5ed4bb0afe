"""Phone numbers as people type them, to E.164; what cannot be called back is refused."""

import pytest

from kernel.errors import Invalid
from kernel.phone import mask, normalize


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "(+86) 138 1234 5678",
        "0086 138 1234 5678",
        "8613812345678",
        "１３８１２３４５６７８",  # full-width digits from a Chinese input method
        "＋８６　１３８－１２３４－５６７８",
        " 13812345678 ",
    ],
)
def test_a_chinese_mobile_however_typed_is_stored_in_e164(typed: str) -> None:
    assert normalize(typed) == "+8613812345678"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+852 9123 4567", "+85291234567"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("+44 7911 123456", "+447911123456"),
    ],
)
def test_a_valid_number_abroad_is_kept(typed: str, stored: str) -> None:
    assert normalize(typed) == stored


@pytest.mark.parametrize("typed", ["", "12345", "phone", "+86 123", "+12345678", "+8657112329"])
def test_what_is_not_a_phone_number_is_refused(typed: str) -> None:
    with pytest.raises(Invalid, match="手机号码格式不正确.*13812345678"):
        normalize(typed)


@pytest.mark.parametrize("typed", ["14012345678", "154 1234 5678", "+86 16012345678"])
def test_an_unallocated_mobile_prefix_is_refused(typed: str) -> None:
    with pytest.raises(Invalid, match="不是已分配的手机号段"):
        normalize(typed)


@pytest.mark.parametrize("typed", ["010-12345678", "0571 8765 4321", "+86 10 1234 5678"])
def test_a_chinese_landline_is_refused_since_it_cannot_take_an_sms(typed: str) -> None:
    with pytest.raises(Invalid, match="固定电话"):
        normalize(typed)


def test_an_extension_is_refused_rather_than_dropped() -> None:
    with pytest.raises(Invalid, match="分机"):
        normalize("138 1234 5678 ext. 5")


def test_mask_shows_the_first_three_and_last_four_digits() -> None:
    assert mask("+8613812345678") == "138****5678"
    assert mask("+85291234567") == "852****4567"
    assert mask("+86123456") == "******"
