"""What callers' words mean: the variant mapping as a pure function over word lists."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.asr.grammar import (
    IN_BETWEEN_PHRASES,
    RATING_PHRASES,
    YES_NO_PHRASES,
    grammar_json,
    interpret,
    meaning,
)


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("非常 满意", "very_satisfied"),
        ("特别 满意", "very_satisfied"),
        ("满意", "satisfied"),
        ("我 很 满意", "satisfied"),
        ("我 很满意", "satisfied"),
        ("挺 满意", "satisfied"),
        ("嗯 [unk] 满意 吧", "satisfied"),
        ("不 满意", "unsatisfied"),
        ("不 太 满意", "unsatisfied"),
        ("不太 满意", "unsatisfied"),
        ("非常 不 满意", "unsatisfied"),
    ],
)
def test_rating_variants_mean_their_tier(words: str, value: str) -> None:
    assert interpret(words=words.split(), kind="rating") == value


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("是", "yes"),
        ("是 的", "yes"),
        ("是的", "yes"),
        ("有", "yes"),
        ("有的", "yes"),
        ("对", "yes"),
        ("否", "no"),
        ("没有", "no"),
        ("没有 没有", "no"),
        ("没有 的", "no"),
        ("没", "no"),
        ("不是", "no"),
        ("不 是", "no"),
    ],
)
def test_yes_no_variants_mean_their_answer(words: str, value: str) -> None:
    assert interpret(words=words.split(), kind="yes_no") == value


@pytest.mark.parametrize("words", ["一般", "一般 般", "还行", "还 可以", "基本 满意", "嗯 一般 吧"])
def test_an_in_between_rating_is_heard_but_never_guessed_as_satisfied(words: str) -> None:
    assert meaning(words=words.split(), kind="rating") == "in_between"
    assert interpret(words=words.split(), kind="rating") is None


def test_in_between_phrases_are_in_the_rating_grammar_only() -> None:
    rating = json.loads(grammar_json(kind="rating"))
    assert all(phrase in rating for phrase in IN_BETWEEN_PHRASES)
    assert not set(IN_BETWEEN_PHRASES) & set(json.loads(grammar_json(kind="yes_no")))


@pytest.mark.parametrize(
    ("words", "kind"),
    [
        ("", "rating"),
        ("[unk]", "rating"),
        ("[unk] [unk]", "yes_no"),
        ("满意 不 满意", "rating"),
        ("有 没有", "yes_no"),
        ("是", "rating"),
        ("满意", "yes_no"),
    ],
)
def test_nothing_or_contradicting_answers_are_unclear(words: str, kind: str) -> None:
    assert interpret(words=words.split(), kind=kind) is None  # type: ignore[arg-type]


@given(
    phrase=st.sampled_from(sorted(RATING_PHRASES)),
    noise_before=st.lists(st.sampled_from(["[unk]", "嗯", "我", "啊"]), max_size=3),
    noise_after=st.lists(st.sampled_from(["[unk]", "吧", "啊"]), max_size=3),
)
def test_rating_reads_the_same_with_fillers_and_any_segmentation(
    phrase: str, noise_before: list[str], noise_after: list[str]
) -> None:
    as_characters = list(phrase.replace(" ", ""))
    heard = interpret(words=[*noise_before, *as_characters, *noise_after], kind="rating")
    assert heard == RATING_PHRASES[phrase]


@given(phrase=st.sampled_from(sorted(YES_NO_PHRASES)), repeats=st.integers(1, 3))
def test_a_repeated_yes_no_answer_keeps_its_meaning(phrase: str, repeats: int) -> None:
    assert interpret(words=phrase.split() * repeats, kind="yes_no") == YES_NO_PHRASES[phrase]


def test_grammar_drops_phrases_the_model_cannot_spell_and_keeps_unk() -> None:
    vocabulary = frozenset({"满意", "非常", "一般"})
    assert json.loads(grammar_json(kind="rating", vocabulary=vocabulary)) == [
        "非常 满意",
        "满意",
        "一般",
        "[unk]",
    ]
