"""Replies people really send to the SMS survey, and what we read from them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.sms.reply import needs_follow_up, parse_reply, read_confirmation
from kernel.vocabulary import RATINGS, SURVEY_QUESTIONS, YES_NO

BEST = {
    "attitude": "very_satisfied",
    "efficiency": "very_satisfied",
    "repeat_trip": "no",
    "favour_asked": "no",
}


@pytest.mark.parametrize(
    "body",
    [
        "1111",
        "1 1 1 1",
        "1,1,1,1",
        "1，1，1，1",
        "1、1、1、1",
        "１１１１",
        "１\u3000１\u3000１\u3000１",
        "1111。",
        " 1111 \n",
        "1\n1\n1\n1",
        "1111谢谢",
        "1 1 1 1 谢谢",
        "1111 谢谢！",
        "您好，1111",
        "好的 1111",
        "1111👍",
        "😊1 1 1 1😊",
        "非常满意非常满意没有没有",
        "非常满意 非常满意 否 没有",
        "很满意，很满意，否，无",
        "1 1 没有 没有",
        "1 1 不是 没",
        "态度1 效率1 回头路1 索要1",
        "服务态度：1，办事效率：1，跑回头路：1，索拿卡要：1",
        "服务态度非常满意 办事效率非常满意 是否跑回头路没有 是否索拿卡要没有",
    ],
)
def test_every_way_of_writing_the_best_answers_reads_the_same(body: str) -> None:
    reply = parse_reply(body)
    assert reply.answers == BEST
    assert reply.kind == "complete"
    assert reply.suggestion is None
    assert not reply.opt_out


@pytest.mark.parametrize(
    ("body", "answers"),
    [
        ("2222", ("satisfied", "satisfied", "yes", "yes")),
        ("3 3 2 2", ("unsatisfied", "unsatisfied", "yes", "yes")),
        ("2211", ("satisfied", "satisfied", "no", "no")),
        ("满意 不满意 有 有", ("satisfied", "unsatisfied", "yes", "yes")),
        ("满意 不满意 是 有", ("satisfied", "unsatisfied", "yes", "yes")),
        ("比较满意 满意的 是的 有的", ("satisfied", "satisfied", "yes", "yes")),
        ("不太满意，满意，否，无", ("unsatisfied", "satisfied", "no", "no")),
        ("效率3 态度2 回头路2 索要1", ("satisfied", "unsatisfied", "yes", "no")),
    ],
)
def test_each_answer_lands_on_its_own_question(body: str, answers: tuple[str, ...]) -> None:
    assert parse_reply(body).answers == dict(zip(SURVEY_QUESTIONS, answers, strict=True))


@pytest.mark.parametrize(
    ("body", "suggestion"),
    [
        ("1111 柜员很耐心", "柜员很耐心"),
        ("1111柜员很耐心，谢谢", "柜员很耐心，谢谢"),
        ("1 1 1 1\n希望多开几个窗口", "希望多开几个窗口"),
        ("非常满意非常满意没有没有 大厅停车难", "大厅停车难"),
        ("1111 建议周六也上班🙏", "建议周六也上班🙏"),
        ("1111 态度很好", "态度很好"),
    ],
)
def test_text_after_the_answers_is_the_suggestion(body: str, suggestion: str) -> None:
    reply = parse_reply(body)
    assert reply.answers == BEST
    assert reply.suggestion == suggestion


def test_the_suggestion_keeps_the_persons_own_characters() -> None:
    reply = parse_reply("１１１１ 排队太久！！")
    assert reply.suggestion == "排队太久！！"


@pytest.mark.parametrize(
    ("body", "answered"),
    [
        ("11", 2),
        ("1", 1),
        ("1 1 2", 3),
        ("非常满意", 1),
        ("满意，有点慢", 1),
    ],
)
def test_fewer_answers_than_questions_is_partial(body: str, answered: int) -> None:
    reply = parse_reply(body)
    assert reply.kind == "partial"
    assert list(reply.answers) == list(SURVEY_QUESTIONS[:answered])


def test_a_follow_up_reply_maps_to_the_questions_still_open() -> None:
    reply = parse_reply("1 1", expected=["repeat_trip", "favour_asked"])
    assert reply.answers == {"repeat_trip": "no", "favour_asked": "no"}
    assert reply.kind == "complete"


def test_a_follow_up_reply_in_words_maps_to_the_open_questions() -> None:
    reply = parse_reply("不满意 有", expected=["efficiency", "favour_asked"])
    assert reply.answers == {"efficiency": "unsatisfied", "favour_asked": "yes"}


def test_a_follow_up_answered_with_the_whole_four_digits_keeps_only_the_open_ones() -> None:
    reply = parse_reply("2211", expected=["repeat_trip", "favour_asked"])
    assert reply.answers == {"repeat_trip": "no", "favour_asked": "no"}
    assert reply.kind == "complete"


def test_a_follow_up_answered_with_just_the_open_digits_is_not_taken_as_the_whole() -> None:
    reply = parse_reply("21", expected=["repeat_trip", "favour_asked"])
    assert reply.answers == {"repeat_trip": "yes", "favour_asked": "no"}


def test_a_labelled_answer_for_a_closed_question_is_ignored() -> None:
    reply = parse_reply("态度3 索要2", expected=["favour_asked"])
    assert reply.answers == {"favour_asked": "yes"}


@pytest.mark.parametrize(
    ("body", "answers"),
    [
        ("4111", {}),
        ("1411", {"attitude": "very_satisfied"}),
        ("1131", {"attitude": "very_satisfied", "efficiency": "very_satisfied"}),
        ("0111", {}),
        ("1 1 满意 1", {"attitude": "very_satisfied", "efficiency": "very_satisfied"}),
        ("1 1 一般 1", {"attitude": "very_satisfied", "efficiency": "very_satisfied"}),
    ],
)
def test_an_answer_that_does_not_fit_stops_the_reading_there(
    body: str, answers: dict[str, str]
) -> None:
    reply = parse_reply(body)
    assert reply.answers == answers
    assert reply.kind == ("partial" if answers else "nonsense")


def test_unreadable_answers_are_dropped_but_the_suggestion_after_them_is_kept() -> None:
    reply = parse_reply("1141 柜员很好")
    assert reply.answers == {"attitude": "very_satisfied", "efficiency": "very_satisfied"}
    assert reply.suggestion == "柜员很好"


@pytest.mark.parametrize(
    "body",
    [
        "13812345678 我要投诉",
        "我要投诉 13812345678",
        "138 1234 5678",
        "+86 138-1234-5678",
        "11223",
        "2024.5.12",
        "5月12日去办的",
        "2024年办的",
        "3次",
    ],
)
def test_numbers_that_are_not_answers_are_never_read_as_answers(body: str) -> None:
    reply = parse_reply(body)
    assert reply.answers == {}
    assert reply.kind == "nonsense"
    assert reply.suggestion == body.strip()


@pytest.mark.parametrize("body", ["有点慢", "没什么意见", "是我自己没带材料", "无所谓"])
def test_a_sentence_starting_with_a_yes_no_word_is_not_an_answer(body: str) -> None:
    reply = parse_reply(body)
    assert reply.answers == {}
    assert reply.suggestion == body


@pytest.mark.parametrize("body", ["有点慢", "没想到这么快", "是我自己没带材料"])
def test_a_sentence_starting_with_a_yes_no_word_is_not_a_yes_no_answer(body: str) -> None:
    reply = parse_reply(f"1 1 {body}")
    assert list(reply.answers) == ["attitude", "efficiency"]
    assert reply.suggestion == body


@pytest.mark.parametrize("body", ["好的", "?", "？？", "谢谢", "收到，谢谢", "👍", "嗯"])
def test_a_reply_with_no_answers_is_nonsense(body: str) -> None:
    assert parse_reply(body).kind == "nonsense"


@pytest.mark.parametrize("body", ["好的", "?", "谢谢！", "👍"])
def test_courtesies_and_symbols_are_not_suggestions(body: str) -> None:
    assert parse_reply(body).suggestion is None


@pytest.mark.parametrize("body", ["", " ", "\n\n", "\u3000", "\u200b"])
def test_a_blank_reply_is_empty(body: str) -> None:
    reply = parse_reply(body)
    assert reply.kind == "empty"
    assert reply.answers == {}


@pytest.mark.parametrize(
    "body",
    [
        "TD",
        "td",
        "Td",
        "T D",
        " TD。",
        "ＴＤ",
        "退订",
        "退订！",
        "STOP",
        "stop",
        "TD谢谢",
        "回复TD退订",
    ],
)
def test_td_alone_opts_out(body: str) -> None:
    reply = parse_reply(body)
    assert reply.opt_out
    assert reply.kind == "opt_out"
    assert reply.answers == {}


@pytest.mark.parametrize("body", ["服务态度不TD", "1122 TD", "不要退订", "TD是什么意思"])
def test_td_inside_longer_text_is_not_an_opt_out(body: str) -> None:
    assert not parse_reply(body).opt_out


def test_1111_is_the_favourable_answer_to_every_question() -> None:
    assert parse_reply("1111").answers == BEST
    assert parse_reply("1111", expected=["repeat_trip", "favour_asked"]).answers == {
        "repeat_trip": "no",
        "favour_asked": "no",
    }


@pytest.mark.parametrize(
    ("body", "in_between", "answers"),
    [
        ("一般 1 1 1", {"attitude": "一般"}, {"efficiency": "very_satisfied"}),
        ("还行，还可以，没有，没有", {"attitude": "还行", "efficiency": "还可以"}, {}),
        ("态度1 效率基本满意 1 1", {"efficiency": "基本满意"}, {"attitude": "very_satisfied"}),
        ("一般般", {"attitude": "一般般"}, {}),
    ],
)
def test_an_in_between_rating_is_kept_in_the_persons_words_not_guessed(
    body: str, in_between: dict[str, str], answers: dict[str, str]
) -> None:
    reply = parse_reply(body)
    assert reply.in_between == in_between
    assert {q: v for q, v in reply.answers.items() if q in ("attitude", "efficiency")} == answers
    assert "satisfied" not in [reply.answers.get(q) for q in in_between]


def test_an_in_between_reply_to_the_re_ask_is_still_in_between() -> None:
    reply = parse_reply("还是一般吧", expected=["attitude"])
    assert reply.answers == {} and reply.kind == "nonsense"
    again = parse_reply("一般", expected=["attitude"])
    assert again.in_between == {"attitude": "一般"} and again.kind == "complete"


@pytest.mark.parametrize(
    ("body", "choice"),
    [
        ("1", "confirm"),
        ("１", "confirm"),
        ("确认", "confirm"),
        ("是的，谢谢", "confirm"),
        ("2", "rechoose"),
        ("重新选择", "rechoose"),
        ("没有", "rechoose"),
        ("他让我请吃饭", "other"),
        ("3", "other"),
        ("TD", "opt_out"),
        (" ", "empty"),
    ],
)
def test_a_confirmation_reply_is_1_or_2_or_neither(body: str, choice: str) -> None:
    assert read_confirmation(body) == choice


def test_an_unknown_expected_question_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="speed"):
        parse_reply("1", expected=["speed"])


@pytest.mark.parametrize(
    ("answers", "follow_up"),
    [
        (BEST, False),
        ({**BEST, "attitude": "satisfied"}, False),
        ({**BEST, "efficiency": "unsatisfied"}, True),
        ({**BEST, "repeat_trip": "yes"}, True),
        ({**BEST, "favour_asked": "yes"}, True),
        ({}, False),
    ],
)
def test_unsatisfied_repeat_trips_and_favours_need_a_follow_up(
    answers: dict[str, str], follow_up: bool
) -> None:
    assert needs_follow_up(answers=answers) is follow_up


_ALPHABET = st.sampled_from(
    list("0123456789１２３ ,，、。.!?TDtd\n\u3000\u200b👍😊")
    + ["非常满意", "满意", "不满意", "一般", "还行", "基本满意", "是", "否", "有", "没有", "无"]
    + ["态度", "索要", "谢谢"]
)


@given(
    body=st.one_of(st.text(), st.lists(_ALPHABET, max_size=12).map("".join)),
    expected=st.lists(st.sampled_from(SURVEY_QUESTIONS), unique=True),
)
def test_any_text_parses_without_raising_into_allowed_answers(
    body: str, expected: list[str]
) -> None:
    reply = parse_reply(body, expected=expected)
    assert set(reply.answers) <= set(expected)
    for question, value in reply.answers.items():
        assert value in (RATINGS if question in ("attitude", "efficiency") else YES_NO)
    assert reply.opt_out == (reply.kind == "opt_out")
    read = reply.answers | reply.in_between
    assert (reply.kind in ("complete", "partial")) == bool(read) or not expected
    if reply.kind == "complete":
        assert set(read) == set(expected)
    assert set(reply.in_between) <= {"attitude", "efficiency"} - set(reply.answers)
    if reply.suggestion is not None:
        assert reply.suggestion in body
