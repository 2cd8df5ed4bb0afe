"""The phone survey as pure functions: survey state in, TwiML out (golden-testable).

The call opens by checking it reached the right person (surname only), then introduces the
business and asks the questions; a grave answer is confirmed before it is filed, and an
in-between spoken rating (一般) is asked again among the three tiers. The person hears that the
call is recorded before the first <Record>: at the opening when answers are spoken, else in the
introduction (the reason and suggestion recordings come later).

The survey is built as provider-neutral steps (ivr.voice.steps): each question an `Ask` that
takes a key pressed during or after it, with spoken answers on also a short recording we
decode ourselves (no voice leaves the centre). The Twilio adapter (ivr.twilio.twiml) renders
the steps as TwiML and says why each TwiML choice is made.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from core_ledger.identity import Gender
from ivr import prompts
from ivr.asr.grammar import QuestionKind
from ivr.config import IvrSettings
from ivr.twilio.twiml import render
from ivr.voice.steps import Ask, Hangup, Record, Say
from kernel.vocabulary import (
    PROJECT_CONTACT_QUESTIONS,
    RATINGS,
    RECTIFICATION_QUESTIONS,
    SURVEY_QUESTIONS,
    Answer,
    Question,
    answers_to,
)

# Each question offers its answers in vocabulary order on keys 1, 2, 3 (as its prompt says).
KEYS: dict[Question, dict[str, Answer]] = {
    question: {str(n): answer for n, answer in enumerate(answers_to(question), start=1)}
    for question in Question
}
# "本人吗？是请按1，不是请按2" and "确认请按1，重新选择请按2": yes or no, as spoken answers are.
YES_NO_KEYS: dict[str, Answer] = {"1": Answer.yes, "2": Answer.no}
RESCHEDULE_KEY = "9"
MAX_RETRIES = 2  # re-asks after the first ask; then the answer is marked unclear


@dataclass(frozen=True)
class SurveyContext:
    """What the greeting may say: never an amount, never an ID number."""

    attempt_id: int
    business_kind: str  # withdrawal | loan
    business_date: str  # e.g. 11月3日
    outlet_name: str
    addressee: str = "先生/女士"  # 王女士: the surname only, from the ledger
    questions: tuple[Question, ...] = SURVEY_QUESTIONS  # RECTIFICATION_QUESTIONS for a 整改回访
    project_name: str = ""  # a project contact's callback: 签约楼盘 it names


# Two-character surnames (复姓) a callee would expect to hear whole.
_PAIRS = "欧阳司马上官诸葛东方皇甫令狐慕容尉迟公孙长孙宇文司徒夏侯轩辕端木独孤南宫西门申屠"
_COMPOUND_SURNAMES = frozenset(_PAIRS[i : i + 2] for i in range(0, len(_PAIRS), 2))
_TITLES: dict[str, str] = {Gender.male: "先生", Gender.female: "女士"}


def addressee(name: str, gender: str | None) -> str:
    """How the call addresses a person: surname and title (王女士), or 王先生/女士 if unknown."""
    name = name.strip()
    surname = name[:2] if name[:2] in _COMPOUND_SURNAMES else name[:1]
    return surname + _TITLES.get(gender or "", "先生/女士")


def _url(settings: IvrSettings, step: str, **query: object) -> str:
    return settings.webhook_url(f"/twilio/voice/{step}?{urlencode(query)}")


def step_url(
    settings: IvrSettings, *, attempt_id: int, question: Question, tries: int, unsure: bool = False
) -> str:
    """The absolute URL that receives the answer to a question."""
    query: dict[str, object] = {"attempt": attempt_id, "q": question, "try": tries}
    if unsure:
        query["unsure"] = 1
    return _url(settings, "answer", **query)


def identity_url(settings: IvrSettings, *, attempt_id: int, tries: int) -> str:
    """The URL that receives the answer to "are you X本人?"."""
    return _url(settings, "identity", attempt=attempt_id, **{"try": tries})


def confirm_url(settings: IvrSettings, *, attempt_id: int, question: Question, tries: int) -> str:
    """The URL that receives the confirmation of a grave answer."""
    return _url(settings, "confirm", attempt=attempt_id, q=question, **{"try": tries})


def reason_url(settings: IvrSettings, *, attempt_id: int, question: Question) -> str:
    """The URL that receives the recorded reason for an 不满意."""
    return _url(settings, "reason", attempt=attempt_id, q=question)


def suggestion_url(settings: IvrSettings, *, attempt_id: int) -> str:
    """The URL that receives the recorded suggestion."""
    return _url(settings, "suggestion", attempt=attempt_id)


def _prompt(settings: IvrSettings, *, text: str, url: str, speech: bool) -> str:
    """Ask for one key (pressed during the prompt or after), or (speech on) a short answer."""
    step = Ask(
        text=text,
        action=url,
        wait_seconds=settings.gather_timeout_seconds,
        speech=speech,
        answer_seconds=settings.answer_max_seconds,
        silence_seconds=settings.answer_silence_seconds,
    )
    return render([step], settings)


def ask(
    settings: IvrSettings,
    *,
    attempt_id: int,
    question: Question,
    tries: int,
    speech: bool,
    unsure: bool = False,
    preface: str = "",
    order: tuple[Question, ...] = SURVEY_QUESTIONS,
) -> str:
    """Ask one question, by keypad only or by keypad or voice, in the words of its survey."""
    url = step_url(settings, attempt_id=attempt_id, question=question, tries=tries, unsure=unsure)
    text = preface + prompts.question_prompt(question, order)
    return _prompt(settings, text=text, url=url, speech=speech)


def opening(settings: IvrSettings, *, context: SurveyContext, speech: bool) -> str:
    """The first thing the person hears: who calls, and whether they are the person we want."""
    text = prompts.OPENING.format(centre=settings.centre_name)
    if speech:  # the identity answer is the call's first recording
        text += prompts.RECORDING_NOTICE + prompts.SPEECH_HINT
    return ask_identity(
        settings,
        attempt_id=context.attempt_id,
        addressee=context.addressee,
        tries=0,
        speech=speech,
        preface=text,
    )


def ask_identity(
    settings: IvrSettings,
    *,
    attempt_id: int,
    addressee: str,
    tries: int,
    speech: bool,
    preface: str = "",
) -> str:
    """Ask whether we reached the person: 请问您是王女士本人吗？"""
    text = preface + prompts.IDENTITY.format(addressee=addressee)
    url = identity_url(settings, attempt_id=attempt_id, tries=tries)
    return _prompt(settings, text=text, url=url, speech=speech)


def introduction(settings: IvrSettings, *, context: SurveyContext, speech: bool) -> str:
    """The person is who we called: what the call is about, then the first question."""
    if context.questions == PROJECT_CONTACT_QUESTIONS:
        text = prompts.PROJECT_CONTACT_INTRODUCTION.format(
            project=context.project_name or "贵楼盘", outlet=context.outlet_name
        )
    else:
        rectification = context.questions == RECTIFICATION_QUESTIONS
        template = prompts.RECTIFICATION_INTRODUCTION if rectification else prompts.INTRODUCTION
        text = template.format(
            date=context.business_date,
            outlet=context.outlet_name,
            business=prompts.BUSINESS_KIND.get(context.business_kind, "公积金业务"),
        )
    if not speech:  # told at the opening when answers are spoken
        text += prompts.RECORDING_NOTICE
    return ask(
        settings,
        attempt_id=context.attempt_id,
        question=context.questions[0],
        tries=0,
        speech=speech,
        preface=text + prompts.RESCHEDULE_OFFER,
        order=context.questions,
    )


def ask_confirmation(
    settings: IvrSettings,
    *,
    attempt_id: int,
    question: Question,
    tries: int,
    speech: bool,
    preface: str = "",
) -> str:
    """Before a grave answer is filed: 确认请按1，重新选择请按2."""
    url = confirm_url(settings, attempt_id=attempt_id, question=question, tries=tries)
    return _prompt(settings, text=preface + prompts.CONFIRM_FAVOUR, url=url, speech=speech)


def _recording(settings: IvrSettings, *, text: str, url: str, max_length: int) -> str:
    """Say a request, record until # or silence, and come back without a recording if none."""
    step = Record(
        text=text,
        action=url,
        max_seconds=max_length,
        silence_seconds=settings.recording_silence_seconds,
    )
    return render([step], settings)


def ask_reason(settings: IvrSettings, *, attempt_id: int, question: Question) -> str:
    """After an 不满意: a short recording of why."""
    return _recording(
        settings,
        text=prompts.REASON[question],
        url=reason_url(settings, attempt_id=attempt_id, question=question),
        max_length=settings.reason_max_seconds,
    )


def ask_suggestion(settings: IvrSettings, *, attempt_id: int) -> str:
    """The closing question: opinions and suggestions, up to a minute, # to finish or skip."""
    return _recording(
        settings,
        text=prompts.SUGGESTION,
        url=suggestion_url(settings, attempt_id=attempt_id),
        max_length=settings.suggestion_max_seconds,
    )


def goodbye(settings: IvrSettings, *, text: str) -> str:
    """Say a last sentence and hang up."""
    return render([Say(text), Hangup()], settings)


def hang_up() -> str:
    """End the call at once (e.g. an answering machine)."""
    return render([Hangup()], IvrSettings())


def next_question(
    question: Question, order: tuple[Question, ...] = SURVEY_QUESTIONS
) -> Question | None:
    """The question after this one, or None at the end."""
    index = order.index(question)
    return order[index + 1] if index + 1 < len(order) else None


def kind_of(question: Question) -> QuestionKind:
    """Whether a question is answered with a rating or a yes/no (its spoken grammar)."""
    return "rating" if answers_to(question) == RATINGS else "yes_no"


def wants_reason(question: Question, value: str | None) -> bool:
    """Whether an answer calls for the reason recording (an 不满意 rating)."""
    return kind_of(question) == "rating" and value == Answer.unsatisfied
