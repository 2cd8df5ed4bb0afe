"""The SMS survey's words: signed, short, polite, answerable, and never an amount or ID."""

import re
from datetime import date

import pytest

from ivr.sms.reply import parse_reply
from ivr.sms.texts import (
    MAX_SEGMENTS,
    render_choose_tier,
    render_clarify,
    render_closed,
    render_confirm_favour,
    render_follow_up,
    render_invitation,
    render_opted_out,
    render_outcome,
    render_project_contact_invitation,
    render_thanks,
    segments,
)
from kernel.vocabulary import PROJECT_CONTACT_QUESTIONS, SURVEY_QUESTIONS

SIGNATURE = "住房公积金"
LONGEST_OUTLET = "某某市住房公积金管理中心高新技术产业开发区管理部第二营业大厅"


def invitation(*, outlet: str = "城东营业网点", business: str = "withdrawal") -> str:
    return render_invitation(
        signature=SIGNATURE, business=business, on=date(2024, 5, 12), outlet=outlet
    )


def every_text() -> list[str]:
    return [
        invitation(),
        invitation(outlet=LONGEST_OUTLET, business="loan"),
        render_follow_up(signature=SIGNATURE, missing=["efficiency", "favour_asked"]),
        render_clarify(signature=SIGNATURE),
        render_opted_out(signature=SIGNATURE),
        render_thanks(signature=SIGNATURE, follow_up=False),
        render_thanks(signature=SIGNATURE, follow_up=True),
        render_closed(signature=SIGNATURE),
        render_confirm_favour(signature=SIGNATURE),
        render_choose_tier(signature=SIGNATURE, questions=["attitude", "efficiency"], words="一般"),
        render_outcome(
            signature=SIGNATURE, action="rechoose", missing=["favour_asked"], expected=[]
        )
        or "",
    ]


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension characters cost two septets
        ("€" * 81, 2),
        ("a" * 152 + "€", 1),
        ("a" * 160 + "€" * 1, 2),
        ("a" * 152 + "€" + "a" * 10, 2),  # the escape pair is never split across segments
        ("您" * 70, 1),
        ("您" * 71, 2),
        ("您" * 134, 2),
        ("您" * 135, 3),
        ("您" * 201, 3),
        ("您" * 202, 4),
        ("a" * 100 + "您", 2),  # one Chinese character turns the whole text into UCS-2
        ("😊" * 35, 1),  # an emoji is two UTF-16 units
        ("😊" * 36, 2),
        ("您" * 66 + "😊" + "您" * 10, 2),
        ("您" * 66 + "😊" + "您" * 66, 3),  # the surrogate pair moves whole to segment two
    ],
)
def test_segments_follow_gsm7_and_ucs2_rules(text: str, count: int) -> None:
    assert segments(text) == count


@pytest.mark.parametrize("text", every_text())
def test_every_text_fits_in_three_segments(text: str) -> None:
    assert segments(text) <= MAX_SEGMENTS


@pytest.mark.parametrize("text", every_text())
def test_every_text_starts_with_the_signature(text: str) -> None:
    assert text.startswith("【住房公积金】")


def test_the_signature_is_a_parameter_and_brackets_are_optional() -> None:
    assert render_closed(signature="【某市公积金】").startswith("【某市公积金】")
    assert render_closed(signature="某市公积金").startswith("【某市公积金】")


@pytest.mark.parametrize("text", every_text())
def test_no_text_holds_an_amount_or_an_id_number(text: str) -> None:
    assert not re.search(r"\d{6,}", text)
    assert not re.search(r"元|身份证|账号|卡号|金额", text)


def test_the_invitation_says_what_when_where_and_how_to_reply() -> None:
    text = invitation()
    for part in (
        "公积金提取",
        "5月12日",
        "城东营业网点",
        "请直接回复4位数字，如1111",
        "回复TD退订",
    ):
        assert part in text
    for word in ("服务态度", "办事效率", "跑回头路", "索要财物"):
        assert word in text


def test_every_question_offers_the_favourable_answer_as_1() -> None:
    assert (
        "①服务态度（1非常满意 2满意 3不满意）②办事效率（1非常满意 2满意 3不满意）"
        "③有没有跑回头路（1没有 2有）④工作人员有没有索要财物（1没有 2有）"
    ) in invitation()
    assert "1是" not in invitation() and "2否" not in invitation()


def test_the_confirmation_of_a_grave_answer_asks_for_1() -> None:
    assert render_confirm_favour(signature=SIGNATURE) == (
        "【住房公积金】您反映工作人员向您索要财物，确认请回复1，重新选择请回复2。回复TD退订"
    )


def test_an_in_between_answer_is_asked_again_among_the_three_tiers() -> None:
    text = render_choose_tier(signature=SIGNATURE, questions=["efficiency"], words="还行")
    assert text == (
        "【住房公积金】您回复了“还行”，请在非常满意、满意、不满意中选一个："
        "①办事效率（1非常满意 2满意 3不满意）。请直接回复1位数字，如1。回复TD退订"
    )


def test_a_loan_is_named_as_a_loan() -> None:
    assert "公积金贷款" in invitation(business="loan")


def test_the_example_in_the_invitation_parses_as_a_complete_reply() -> None:
    example = re.search(r"如(\d+)", invitation())
    assert example is not None
    assert parse_reply(example.group(1)).kind == "complete"


def test_the_follow_up_names_only_the_missing_questions() -> None:
    text = render_follow_up(signature=SIGNATURE, missing=["efficiency", "favour_asked"])
    assert "办事效率" in text
    assert "索要财物" in text
    assert "服务态度" not in text
    assert "跑回头路" not in text
    assert "请直接回复2位数字，如11" in text
    assert "回复TD退订" in text


def test_the_follow_up_example_answers_the_missing_questions() -> None:
    missing = ["efficiency", "favour_asked"]
    text = render_follow_up(signature=SIGNATURE, missing=missing)
    example = re.search(r"如(\d+)", text)
    assert example is not None
    assert parse_reply(example.group(1), expected=missing).kind == "complete"


def test_the_clarification_repeats_the_format_with_an_example() -> None:
    text = render_clarify(signature=SIGNATURE)
    assert "4位数字，如1111" in text
    assert all(word in text for word in ("服务态度", "办事效率", "跑回头路", "索要财物"))
    assert render_clarify(signature=SIGNATURE, expected=SURVEY_QUESTIONS[2:]).count("①") == 1


def test_the_opt_out_is_confirmed() -> None:
    assert "您已退订" in render_opted_out(signature=SIGNATURE)


def test_a_reported_problem_gets_a_promise_to_follow_up() -> None:
    plain = render_thanks(signature=SIGNATURE, follow_up=False)
    concerned = render_thanks(signature=SIGNATURE, follow_up=True)
    assert plain != concerned
    assert "联系" in concerned
    assert "联系" not in plain


def test_a_message_after_closing_says_the_survey_is_over() -> None:
    assert "已结束" in render_closed(signature=SIGNATURE)


@pytest.mark.parametrize(
    ("action", "missing", "expected_text"),
    [
        ("thanks", [], render_thanks(signature=SIGNATURE, follow_up=False)),
        ("thanks_follow_up", ["favour_asked"], render_thanks(signature=SIGNATURE, follow_up=True)),
        (
            "follow_up",
            ["favour_asked"],
            render_follow_up(signature=SIGNATURE, missing=["favour_asked"]),
        ),
        ("clarify", ["efficiency"], render_clarify(signature=SIGNATURE, expected=["efficiency"])),
        ("opted_out", [], render_opted_out(signature=SIGNATURE)),
        ("confirm_favour", [], render_confirm_favour(signature=SIGNATURE)),
        (
            "rechoose",
            ["favour_asked"],
            "【住房公积金】好的，请您重新选择：①工作人员有没有索要财物（1没有 2有）。"
            "请直接回复1位数字，如1。回复TD退订",
        ),
        ("no_survey", [], render_closed(signature=SIGNATURE)),
        ("ignored", [], None),
        ("something_new", [], None),
    ],
)
def test_each_outcome_of_a_reply_has_its_text(
    action: str, missing: list[str], expected_text: str | None
) -> None:
    text = render_outcome(
        signature=SIGNATURE, action=action, missing=missing, expected=SURVEY_QUESTIONS
    )
    assert text == expected_text


def test_a_clarification_without_named_questions_asks_what_was_expected() -> None:
    text = render_outcome(
        signature=SIGNATURE, action="clarify", missing=[], expected=SURVEY_QUESTIONS[2:]
    )
    assert text == render_clarify(signature=SIGNATURE, expected=SURVEY_QUESTIONS[2:])


def test_a_follow_up_with_nothing_missing_just_thanks() -> None:
    text = render_outcome(signature=SIGNATURE, action="follow_up", missing=[], expected=[])
    assert text == render_thanks(signature=SIGNATURE, follow_up=False)


def test_a_project_contacts_text_asks_about_the_projects_buyers_favourable_first() -> None:
    text = render_project_contact_invitation(
        signature=SIGNATURE, project="幸福里", outlet="城西网点"
    )
    assert text.startswith("【住房公积金】您好！您是幸福里的公积金贷款业务联系人")
    assert "本月城西网点为贵楼盘购房人办理贷款" in text
    assert "①网点对购房人的服务态度（1非常满意 2满意 3不满意）" in text
    assert "②网点办理贷款的效率（1非常满意 2满意 3不满意）" in text
    assert "回复2位数字，如11" in text and "跑回头路" not in text
    assert segments(text) <= MAX_SEGMENTS
    long = render_project_contact_invitation(
        signature=SIGNATURE, project="某某市高新区幸福里花园三期", outlet=LONGEST_OUTLET
    )
    assert segments(long) <= MAX_SEGMENTS
    reply = parse_reply("12", expected=list(PROJECT_CONTACT_QUESTIONS))
    assert reply.answers == {"attitude": "very_satisfied", "efficiency": "satisfied"}
