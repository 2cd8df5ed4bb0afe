"""The survey's TwiML builders and prompts: valid TwiML, the voice a setting, keys that match."""

import re

import pytest

from ivr import prompts
from ivr.config import IvrSettings
from ivr.voice import survey
from kernel.vocabulary import PROJECT_CONTACT_QUESTIONS, SURVEY_QUESTIONS, Question
from twilio_emulator.people import offered_options
from twilio_emulator.twiml import parse_voice

CONTEXT = survey.SurveyContext(
    attempt_id=7,
    business_kind="loan",
    business_date="11月3日",
    outlet_name="城西网点",
    addressee="王女士",
)


def every_document(settings: IvrSettings) -> list[str]:
    """Each kind of TwiML the survey answers with, in both input modes."""
    documents = []
    for speech in (True, False):
        documents += [
            survey.opening(settings, context=CONTEXT, speech=speech),
            survey.introduction(settings, context=CONTEXT, speech=speech),
            survey.ask_confirmation(
                settings, attempt_id=7, question=Question.favour_asked, tries=0, speech=speech
            ),
        ]
    for question in SURVEY_QUESTIONS:
        for speech in (True, False):
            documents.append(
                survey.ask(settings, attempt_id=7, question=question, tries=1, speech=speech)
            )
    documents += [survey.ask_reason(settings, attempt_id=7, question=q) for q in prompts.REASON]
    documents += [
        survey.ask_suggestion(settings, attempt_id=7),
        survey.goodbye(settings, text=prompts.THANKS),
        survey.hang_up(),
    ]
    return documents


def test_every_document_is_twiml_twilio_would_run() -> None:
    for document in every_document(IvrSettings()):
        verbs = parse_voice(document)
        assert verbs and verbs[-1].name in ("Redirect", "Hangup")


def test_the_voice_and_language_are_settings() -> None:
    settings = IvrSettings(voice="Polly.Zhiyu-Neural", voice_language="cmn-CN")
    for document in every_document(settings):
        says = re.findall(r"<Say ([^>]*)>", document)
        assert all(s == 'language="cmn-CN" voice="Polly.Zhiyu-Neural"' for s in says)


def test_the_default_voice_is_polly_zhiyu_in_mandarin() -> None:
    settings = IvrSettings()
    assert (settings.voice, settings.voice_language) == ("Polly.Zhiyu", "cmn-CN")


@pytest.mark.parametrize("question", SURVEY_QUESTIONS)
def test_each_prompt_offers_exactly_the_keys_the_survey_reads(question: Question) -> None:
    offered = dict((key, label) for label, key in offered_options(prompts.QUESTIONS[question]))
    assert set(offered) == set(survey.KEYS[question])
    meaning = {"非常满意": "very_satisfied", "满意": "satisfied", "不满意": "unsatisfied"}
    meaning |= {"有": "yes", "没有": "no"}
    assert {key: meaning[label] for key, label in offered.items()} == survey.KEYS[question]


@pytest.mark.parametrize("question", SURVEY_QUESTIONS)
def test_key_1_is_the_favourable_answer_to_every_question(question: Question) -> None:
    assert survey.KEYS[question]["1"] in ("very_satisfied", "no")
    assert offered_options(prompts.QUESTIONS[question])[0] == (
        ("非常满意", "1") if question in ("attitude", "efficiency") else ("没有", "1")
    )


def test_a_yes_no_question_is_answered_with_you_and_meiyou() -> None:
    assert prompts.QUESTIONS[Question.repeat_trip] == (
        "这次办事，您有没有来回跑、多跑路？没有请按1，有请按2。"
    )
    assert prompts.QUESTIONS[Question.favour_asked] == (
        "工作人员有没有向您索要财物、吃拿卡要？没有请按1，有请按2。"
    )
    assert not any("是请按" in text or "否请按" in text for text in prompts.QUESTIONS.values())


def test_the_opening_asks_for_the_person_by_surname_only() -> None:
    opening = survey.opening(IvrSettings(), context=CONTEXT, speech=False)
    assert "12329" in opening and "请问您是王女士本人吗？是请按1，不是请按2。" in opening
    assert "城西网点" not in opening and "公积金贷款" not in opening  # not before we know who


def test_the_introduction_names_the_business_but_never_an_amount_or_id() -> None:
    introduction = survey.introduction(IvrSettings(), context=CONTEXT, speech=False)
    assert "公积金贷款" in introduction and "11月3日" in introduction
    assert "城西网点" in introduction and "请按9" in introduction
    assert not re.search(r"\d{5,}|元|身份证|金额", introduction)


@pytest.mark.parametrize(
    ("name", "gender", "said"),
    [
        ("王芳", "female", "王女士"),
        ("李建国", "male", "李先生"),
        ("欧阳娜娜", "female", "欧阳女士"),
        ("张伟", None, "张先生/女士"),
        (" 陈静 ", "unknown", "陈先生/女士"),
    ],
)
def test_the_person_is_addressed_by_surname_and_title(
    name: str, gender: str | None, said: str
) -> None:
    assert survey.addressee(name, gender) == said


@pytest.mark.parametrize("speech", [True, False])
def test_the_recording_notice_is_said_once_before_anything_is_recorded(speech: bool) -> None:
    settings = IvrSettings()
    call = survey.opening(settings, context=CONTEXT, speech=speech)
    call += survey.introduction(settings, context=CONTEXT, speech=speech)
    notice = "为准确记录您的意见，本次通话将录音。"
    assert call.count(notice) == 1
    # Spoken answers are recorded from the identity question on; keypad answers are not, and
    # the first recording (a reason or the suggestion) comes after the introduction.
    assert call.index(notice) < (call.index("<Record") if speech else len(call))
    assert ("<Record" in call) is speech


def test_prompts_stay_short() -> None:
    texts = [*prompts.QUESTIONS.values(), *prompts.REASON.values(), prompts.SUGGESTION]
    texts += [prompts.IDENTITY.format(addressee="欧阳先生/女士"), prompts.CONFIRM_FAVOUR]
    texts += [prompts.IN_BETWEEN, prompts.RECORDING_NOTICE, prompts.WRONG_PERSON]
    for text in texts:
        assert max(len(s) for s in re.split(r"[。？]", text)) <= 30, text


def test_a_reason_follows_only_an_unsatisfied_rating() -> None:
    assert survey.wants_reason(Question.attitude, "unsatisfied")
    assert not survey.wants_reason(Question.attitude, "satisfied")
    assert not survey.wants_reason(Question.attitude, None)
    assert not survey.wants_reason(Question.favour_asked, "yes")


PROJECT_CONTEXT = survey.SurveyContext(
    attempt_id=8,
    business_kind="loan",
    business_date="11月3日",
    outlet_name="城西网点",
    addressee="张先生",
    questions=PROJECT_CONTACT_QUESTIONS,
    project_name="幸福里",
)


def test_a_project_contact_hears_their_own_survey_about_the_projects_buyers() -> None:
    settings = IvrSettings()
    introduction = survey.introduction(settings, context=PROJECT_CONTEXT, speech=False)
    assert "您是幸福里的公积金贷款业务联系人" in introduction
    assert "本月城西网点为贵楼盘购房人办理公积金贷款的服务情况" in introduction
    assert "您在" not in introduction and "11月3日" not in introduction  # not one loan of theirs
    assert "对贵楼盘购房人的服务态度。非常满意请按1，满意请按2，不满意请按3。" in introduction
    assert not re.search(r"\d{5,}|元|身份证|金额", introduction)
    efficiency = survey.ask(
        settings,
        attempt_id=8,
        question=Question.efficiency,
        tries=0,
        speech=False,
        order=PROJECT_CONTACT_QUESTIONS,
    )
    assert "请您评价网点为贵楼盘购房人办理贷款的效率。非常满意请按1" in efficiency
    assert survey.next_question(Question.efficiency, PROJECT_CONTACT_QUESTIONS) is None


@pytest.mark.parametrize("question", PROJECT_CONTACT_QUESTIONS)
def test_a_project_contacts_keys_match_and_1_is_favourable(question: Question) -> None:
    text = prompts.question_prompt(question, PROJECT_CONTACT_QUESTIONS)
    offered = dict((key, label) for label, key in offered_options(text))
    assert offered == {"1": "非常满意", "2": "满意", "3": "不满意"}
    assert survey.KEYS[question]["1"] == "very_satisfied"
    assert max(len(s) for s in re.split(r"[。？]", text)) <= 30
