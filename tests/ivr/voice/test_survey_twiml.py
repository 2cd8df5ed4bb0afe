"""The survey's TwiML builders and prompts: valid TwiML, the voice a setting, keys that match."""

import re

import pytest

from ivr import prompts
from ivr.config import IvrSettings
from ivr.voice import survey
from kernel.vocabulary import SURVEY_QUESTIONS, Question
from twilio_emulator.people import offered_options
from twilio_emulator.twiml import parse_voice

CONTEXT = survey.SurveyContext(
    attempt_id=7, business_kind="loan", business_date="11月3日", outlet_name="城西网点"
)


def every_document(settings: IvrSettings) -> list[str]:
    """Each kind of TwiML the survey answers with, in both input modes."""
    documents = [
        survey.greeting(settings, context=CONTEXT, speech=speech) for speech in (True, False)
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
    meaning |= {"是": "yes", "有": "yes", "否": "no", "没有": "no"}
    assert {key: meaning[label] for key, label in offered.items()} == survey.KEYS[question]


def test_the_greeting_names_the_business_but_never_an_amount_or_id() -> None:
    greeting = survey.greeting(IvrSettings(), context=CONTEXT, speech=False)
    assert "12329" in greeting and "公积金贷款" in greeting and "11月3日" in greeting
    assert "城西网点" in greeting and "住房公积金管理中心" in greeting and "请按9" in greeting
    assert not re.search(r"\d{5,}|元|身份证|金额", greeting.replace("12329", ""))


def test_prompts_stay_short() -> None:
    for text in [*prompts.QUESTIONS.values(), *prompts.REASON.values(), prompts.SUGGESTION]:
        assert max(len(s) for s in re.split(r"[。？]", text)) <= 30, text


def test_a_reason_follows_only_an_unsatisfied_rating() -> None:
    assert survey.wants_reason(Question.attitude, "unsatisfied")
    assert not survey.wants_reason(Question.attitude, "satisfied")
    assert not survey.wants_reason(Question.attitude, None)
    assert not survey.wants_reason(Question.favour_asked, "yes")
