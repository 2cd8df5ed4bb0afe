from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core_ledger.money import (
    apply_rate,
    parse_yuan,
    percent_str,
    round_fen,
    round_to_yuan,
    yuan_str,
)
from kernel.errors import Invalid


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "0.00"),
        (5, "0.05"),
        (123456, "1,234.56"),
        (100000000, "1,000,000.00"),
        (-123456, "-1,234.56"),
        (-5, "-0.05"),
    ],
)
def test_yuan_str_formats_fen_as_yuan_with_separators(fen: int, text: str) -> None:
    assert yuan_str(fen) == text


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1234.56", 123456),
        ("1,234.56", 123456),
        ("1234.5", 123450),
        ("1234", 123400),
        ("0.01", 1),
        (" 12.30 ", 1230),
        ("１２３４．５６", 123456),
        ("¥88", 8800),
    ],
)
def test_parse_yuan_reads_what_a_teller_types(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["1.234", "12.", "", "abc", "1,23.00", "12,34", "1e3", "--1"])
def test_parse_yuan_rejects_malformed_amounts(text: str) -> None:
    with pytest.raises(Invalid, match="金额格式不正确"):
        parse_yuan(text)


def test_parse_yuan_rejects_negatives_unless_allowed() -> None:
    with pytest.raises(Invalid, match="不能为负数"):
        parse_yuan("-5.00")
    assert parse_yuan("-5.01", allow_negative=True) == -501


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        (1, Decimal("0.5"), 1),  # exactly 0.5 fen rounds up
        (3, Decimal("0.5"), 2),  # 1.5 -> 2
        (1, Decimal("0.4999"), 0),
        (100001, Decimal("0.015"), 1500),  # 1500.015 -> 1500
        (100100, Decimal("0.015"), 1502),  # 1501.5 -> 1502
        (-3, Decimal("0.5"), -2),  # a reversal mirrors its posting
    ],
)
def test_apply_rate_rounds_half_up_to_the_fen(amount: int, rate: Decimal, expected: int) -> None:
    assert apply_rate(amount, rate) == expected


@pytest.mark.parametrize(
    ("fen", "expected"),
    [(12349, 12300), (12350, 12400), (12351, 12400), (50, 100), (49, 0), (0, 0), (-150, -200)],
)
def test_round_to_yuan_rounds_half_up(fen: int, expected: int) -> None:
    assert round_to_yuan(fen) == expected


def test_round_fen_refuses_a_non_positive_unit() -> None:
    with pytest.raises(ValueError):
        round_fen(Decimal(1), unit_fen=0)


def test_percent_str_drops_trailing_zeros() -> None:
    assert percent_str(Decimal("0.120")) == "12%"
    assert percent_str(Decimal("0.075")) == "7.5%"


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_parse_yuan_reads_back_what_yuan_str_writes(fen: int) -> None:
    assert parse_yuan(yuan_str(fen), allow_negative=True) == fen


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_round_to_yuan_moves_at_most_half_a_yuan_to_a_whole_yuan(fen: int) -> None:
    rounded = round_to_yuan(fen)
    assert rounded % 100 == 0
    assert -50 < rounded - fen <= 50 if fen >= 0 else -50 <= rounded - fen < 50
