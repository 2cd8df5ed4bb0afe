from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core_ledger.identity import (
    gender_of,
    make_credit_code,
    make_resident_id,
    validate_credit_code,
    validate_resident_id,
)
from kernel.errors import Invalid

TODAY = date(2025, 6, 1)
# The specimen in GB 11643-1999, and one whose check digit was worked by hand:
# Σ digit × weight over 44030819990110151 = 252, 252 mod 11 = 10, which maps to "2".
VALID_IDS = ["11010519491231002X", "440308199901101512"]
# Published codes of well-known companies (Huawei, Alibaba China, Tencent) and the GB example.
VALID_CREDIT_CODES = [
    "914403001922038216",
    "91330100799655058B",
    "9144030071526726XG",
    "91350100M000100Y43",
]


@pytest.mark.parametrize("raw", VALID_IDS)
def test_real_resident_ids_validate(raw: str) -> None:
    assert validate_resident_id(raw, today=TODAY) == raw


@pytest.mark.parametrize(
    "raw", ["11010519491231002x", " 11010519491231002X　", "１１０１０５１９４９１２３１００２Ｘ"]
)
def test_resident_id_is_normalised_to_upper_case_half_width(raw: str) -> None:
    assert validate_resident_id(raw, today=TODAY) == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("11010519491231002", "应为 18 位，当前为 17 位"),
        ("1101051949123100X2", "无效字符"),
        ("11010519491231002Y", "无效字符"),
        ("110105194912310٠2X", "无效字符"),  # an Arabic-Indic zero is a digit, but not ours
        ("91010519491231002X", "地区码"),
        ("110105194902300021", "出生日期不是有效日期"),
        ("110105203001010011", "晚于今天"),
        ("110105189912310011", "早于 1900 年"),
        ("110105194912310021", "校验位不符"),
    ],
)
def test_bad_resident_ids_say_what_is_wrong(raw: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        validate_resident_id(raw, today=TODAY)


def test_check_digit_message_does_not_reveal_the_expected_character() -> None:
    with pytest.raises(Invalid) as caught:
        validate_resident_id("110105194912310021", today=TODAY)
    assert "X" not in caught.value.message
    assert "110105" not in caught.value.message


def test_make_resident_id_matches_the_specimen() -> None:
    assert make_resident_id(area="110105", birth=date(1949, 12, 31), sequence=2) == (
        "11010519491231002X"
    )


@pytest.mark.parametrize(
    ("raw", "gender"),
    [
        ("11010519491231002X", "female"),  # 17th digit 2: even
        ("440308199901101512", "male"),  # 17th digit 1: odd
        ("４４０３０８１９９９０１１０１５１２", "male"),
        ("", None),
        (None, None),
        ("1234", None),
    ],
)
def test_the_gender_is_read_from_the_17th_digit(raw: str | None, gender: str | None) -> None:
    assert gender_of(raw) == gender


def test_make_resident_id_refuses_a_bad_area() -> None:
    with pytest.raises(ValueError):
        make_resident_id(area="910105", birth=date(1990, 1, 1), sequence=1)


_areas = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
_births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
_sequences = st.integers(min_value=0, max_value=999)


@given(area=_areas, birth=_births, sequence=_sequences)
def test_generated_resident_ids_always_validate(area: str, birth: date, sequence: int) -> None:
    made = make_resident_id(area=area, birth=birth, sequence=sequence)
    assert validate_resident_id(made, today=TODAY) == made


@given(
    area=_areas,
    birth=_births,
    sequence=_sequences,
    position=st.integers(min_value=0, max_value=17),
    shift=st.integers(min_value=1, max_value=10),
)
def test_any_single_character_change_fails(
    area: str, birth: date, sequence: int, position: int, shift: int
) -> None:
    made = make_resident_id(area=area, birth=birth, sequence=sequence)
    alphabet = "0123456789X"
    changed = alphabet[(alphabet.index(made[position]) + shift) % 11]
    tampered = made[:position] + changed + made[position + 1 :]
    with pytest.raises(Invalid):
        validate_resident_id(tampered, today=TODAY)


@pytest.mark.parametrize("raw", VALID_CREDIT_CODES)
def test_real_credit_codes_validate(raw: str) -> None:
    assert validate_credit_code(raw) == raw


def test_credit_code_is_normalised() -> None:
    assert validate_credit_code(" 9144030071526726xg ") == "9144030071526726XG"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("91440300192203821", "应为 18 位"),
        ("91440300192203821I", "无效字符"),
        ("91440O001922038216", "无效字符"),
        ("91A40300192203821A", "行政区划码"),
        ("914403001922038217", "校验位不符"),
    ],
)
def test_bad_credit_codes_say_what_is_wrong(raw: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        validate_credit_code(raw)


_credit_chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@given(
    area=st.from_regex(r"[0-9]{6}", fullmatch=True),
    serial=st.integers(min_value=0, max_value=99_999_999),
    position=st.integers(min_value=0, max_value=17),
    shift=st.integers(min_value=1, max_value=30),
)
def test_generated_credit_codes_validate_and_any_single_change_fails(
    area: str, serial: int, position: int, shift: int
) -> None:
    made = make_credit_code(area=area, serial=serial)
    assert validate_credit_code(made) == made
    changed = _credit_chars[(_credit_chars.index(made[position]) + shift) % 31]
    with pytest.raises(Invalid):
        validate_credit_code(made[:position] + changed + made[position + 1 :])
