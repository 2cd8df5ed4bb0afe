"""Drawn people answer sensibly from the words they hear, without knowing our survey."""

import random

from ivr.emulator.people import Mix, Reply, choose_option, drawn_reply, offered_options
from ivr.emulator.prompts import keypad

ATTITUDE = "请您评价工作人员的服务态度。非常满意请按1，满意请按2，不满意请按3。"
FAVOUR = "工作人员有没有向您索要财物、吃拿卡要？有请按1，没有请按2。"


def test_offered_options_are_read_from_the_prompt() -> None:
    assert offered_options(ATTITUDE) == [("非常满意", "1"), ("满意", "2"), ("不满意", "3")]
    assert offered_options("如果现在不方便，请按9，我们改天再打给您。") == [("", "9")]


def test_a_certain_tier_picks_the_key_whose_words_match() -> None:
    unhappy = Mix(tiers={"very_satisfied": 0, "satisfied": 0, "unsatisfied": 1})
    reordered = "不满意请按7，非常满意请按8，满意请按9。"
    assert choose_option(offered_options(reordered), unhappy, random.Random(1)) == ("不满意", "7")


def test_yes_no_picks_the_negative_by_its_words() -> None:
    never_yes = Mix(yes_rate=0)
    assert choose_option(offered_options(FAVOUR), never_yes, random.Random(1)) == ("没有", "2")


def test_ratings_follow_the_tier_distribution() -> None:
    rng, mix = random.Random(3), Mix(wrong_key_rate=0, silence_rate=0, hangup_rate=0)
    replies = [
        drawn_reply(heard=ATTITUDE, modes={"dtmf"}, mix=mix, rng=rng, clips={}) for _ in range(2000)
    ]
    share = sum(r == Reply("digits", digits="1") for r in replies) / len(replies)
    assert 0.55 < share < 0.65


def test_keypad_stops_at_num_digits_or_finish_key() -> None:
    assert keypad("123", num_digits=1, finish_on_key="#") == ("1", "")
    assert keypad("12#4", num_digits=0, finish_on_key="#") == ("12", "#")
