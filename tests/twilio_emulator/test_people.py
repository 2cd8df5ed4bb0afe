"""Drawn people answer sensibly from the words they hear, without knowing our survey."""

import random

from twilio_emulator.people import (
    Mix,
    Reply,
    choose_option,
    drawn_reply,
    drawn_sms_reply,
    offered_options,
)
from twilio_emulator.prompts import keypad

ATTITUDE = "请您评价工作人员的服务态度。非常满意请按1，满意请按2，不满意请按3。"
FAVOUR = "工作人员有没有向您索要财物、吃拿卡要？没有请按1，有请按2。"
IDENTITY = "您好，这里是住房公积金管理中心12329服务热线。请问您是王女士本人吗？是请按1，不是请按2。"
CONFIRM = "您反映工作人员向您索要财物，确认请按1，重新选择请按2。"
FIRST_QUESTION = (
    "如果现在不方便，请按9，我们改天再打给您。请您评价工作人员的服务态度。"
    "非常满意请按1，满意请按2，不满意请按3。"
)


def test_offered_options_are_read_from_the_prompt() -> None:
    assert offered_options(ATTITUDE) == [("非常满意", "1"), ("满意", "2"), ("不满意", "3")]
    assert offered_options("如果现在不方便，请按9，我们改天再打给您。") == [("", "9")]


def test_a_certain_tier_picks_the_key_whose_words_match() -> None:
    unhappy = Mix(tiers={"very_satisfied": 0, "satisfied": 0, "unsatisfied": 1})
    reordered = "不满意请按7，非常满意请按8，满意请按9。"
    assert choose_option(offered_options(reordered), unhappy, random.Random(1)) == ("不满意", "7")


def test_yes_no_picks_the_negative_by_its_words() -> None:
    never_yes, always_yes = Mix(yes_rate=0), Mix(yes_rate=1)
    assert choose_option(offered_options(FAVOUR), never_yes, random.Random(1)) == ("没有", "1")
    assert choose_option(offered_options(FAVOUR), always_yes, random.Random(1)) == ("有", "2")


def test_asked_if_they_are_the_person_they_mostly_are() -> None:
    options = offered_options(IDENTITY)
    assert options == [("是", "1"), ("不是", "2")]
    mix, rng = Mix(wrong_person_rate=0.02, yes_rate=0), random.Random(4)
    picks = [choose_option(options, mix, rng, heard=IDENTITY) for _ in range(1000)]
    assert 0.95 < picks.count(("是", "1")) / len(picks) < 1
    nobody = Mix(wrong_person_rate=1)
    assert choose_option(options, nobody, rng, heard=IDENTITY) == ("不是", "2")


def test_asked_to_confirm_a_grave_answer_they_confirm() -> None:
    options = offered_options(CONFIRM)
    assert options == [("确认", "1"), ("重新选择", "2")]
    assert choose_option(options, Mix(yes_rate=0), random.Random(1), heard=CONFIRM) == (
        "确认",
        "1",
    )


def test_the_first_question_is_answered_whatever_the_key_offered_before_it() -> None:
    unhappy = Mix(tiers={"very_satisfied": 0, "satisfied": 0, "unsatisfied": 1})
    options = offered_options(FIRST_QUESTION)
    assert choose_option(options, unhappy, random.Random(1)) == ("不满意", "3")


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


INVITATION = (
    "您好！您11月3日在城东网点办理了公积金提取，请您评价：①服务态度（1非常满意 2满意 3不满意）"
    "②办事效率（1非常满意 2满意 3不满意）③有没有跑回头路（1没有 2有）"
    "④工作人员有没有索要财物（1没有 2有）。请直接回复4位数字，如1111。回复TD退订"
)


def test_a_texted_person_answers_each_bracketed_choice_in_order() -> None:
    happy = Mix(
        sms_reply_rate=1,
        wrong_key_rate=0,
        yes_rate=0,
        tiers={"very_satisfied": 1, "satisfied": 0, "unsatisfied": 0},
    )
    assert drawn_sms_reply(INVITATION, mix=happy, rng=random.Random(1)) == "1111"
    unhappy = happy.model_copy(
        update={"yes_rate": 1, "tiers": {"very_satisfied": 0, "satisfied": 0, "unsatisfied": 1}}
    )
    assert drawn_sms_reply(INVITATION, mix=unhappy, rng=random.Random(1)) == "3322"
    follow_up = (
        "感谢您的回复！还有1项请您评价：①工作人员有没有索要财物（1没有 2有）。请直接回复1位数字"
    )
    assert drawn_sms_reply(follow_up, mix=happy, rng=random.Random(1)) == "1"


def test_a_texted_person_confirms_the_grave_answer_they_gave() -> None:
    confirm = "【住房公积金】您反映工作人员向您索要财物，确认请回复1，重新选择请回复2。回复TD退订"
    assert drawn_sms_reply(confirm, mix=Mix(), rng=random.Random(1)) == "1"


def test_a_texted_person_replies_at_the_mix_rate_and_never_to_a_thank_you() -> None:
    rng, mix = random.Random(5), Mix(sms_reply_rate=0.5, wrong_key_rate=0)
    replies = [drawn_sms_reply(INVITATION, mix=mix, rng=rng) for _ in range(2000)]
    answered = [r for r in replies if r is not None]
    assert 900 < len(answered) < 1100
    assert all(len(r) == 4 and set(r) <= {"1", "2", "3"} for r in answered)
    always = Mix(sms_reply_rate=1)
    assert drawn_sms_reply("感谢您的评价！祝您生活愉快。", mix=always, rng=rng) is None


def test_a_texted_person_sometimes_writes_what_must_be_asked_again() -> None:
    muddled = Mix(sms_reply_rate=1, wrong_key_rate=1)
    reply = drawn_sms_reply(INVITATION, mix=muddled, rng=random.Random(2))
    assert reply is not None and not reply.isdigit()
