"""The phone survey as pure functions: survey state in, TwiML out (golden-testable).

Keypad only, each question is a one-digit <Gather>. With spoken answers on, each question is
a <Say> then a <Record> that any key also ends: the key arrives as Digits, speech as a
recording we decode ourselves (no voice leaves the centre). trim="do-not-trim" keeps a key
pressed before any sound from making an empty recording, which Twilio would not post at all.
Every <Gather>/<Record> is followed by a <Redirect> to the same step, so no input still comes
back to us (as a request without Digits or RecordingUrl) instead of ending the call.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr import prompts
from ivr.asr.grammar import QuestionKind
from ivr.config import IvrSettings
from kernel.vocabulary import (
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
RESCHEDULE_KEY = "9"
MAX_RETRIES = 2  # re-asks after the first ask; then the answer is marked unclear
ANY_KEY = "0123456789*#"


@dataclass(frozen=True)
class SurveyContext:
    """What the greeting may say: never an amount, never an ID number."""

    attempt_id: int
    business_kind: str  # withdrawal | loan
    business_date: str  # e.g. 11月3日
    outlet_name: str
    questions: tuple[Question, ...] = SURVEY_QUESTIONS  # RECTIFICATION_QUESTIONS for a 整改回访


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


def reason_url(settings: IvrSettings, *, attempt_id: int, question: Question) -> str:
    """The URL that receives the recorded reason for an 不满意."""
    return _url(settings, "reason", attempt=attempt_id, q=question)


def suggestion_url(settings: IvrSettings, *, attempt_id: int) -> str:
    """The URL that receives the recorded suggestion."""
    return _url(settings, "suggestion", attempt=attempt_id)


def _say(node: VoiceResponse | Gather, text: str, settings: IvrSettings) -> None:
    node.say(text, language=settings.voice_language, voice=settings.voice)


def ask(
    settings: IvrSettings,
    *,
    attempt_id: int,
    question: Question,
    tries: int,
    speech: bool,
    unsure: bool = False,
    preface: str = "",
) -> str:
    """Ask one question, by keypad only or by keypad or voice."""
    response = VoiceResponse()
    url = step_url(settings, attempt_id=attempt_id, question=question, tries=tries, unsure=unsure)
    text = preface + prompts.QUESTIONS[question]
    if speech:
        _say(response, text, settings)
        response.record(
            action=url,
            method="POST",
            timeout=settings.answer_silence_seconds,
            max_length=settings.answer_max_seconds,
            finish_on_key=ANY_KEY,
            play_beep=False,
            trim="do-not-trim",
        )
    else:
        gather = Gather(
            input="dtmf",
            num_digits=1,
            action=url,
            method="POST",
            timeout=settings.gather_timeout_seconds,
        )
        _say(gather, text, settings)
        response.append(gather)
    response.redirect(url, method="POST")
    return str(response)


def greeting(settings: IvrSettings, *, context: SurveyContext, speech: bool) -> str:
    """The first thing the person hears: who calls, about what, and the first question."""
    rectification = context.questions == RECTIFICATION_QUESTIONS
    template = prompts.RECTIFICATION_GREETING if rectification else prompts.GREETING
    text = template.format(
        centre=settings.centre_name,
        date=context.business_date,
        outlet=context.outlet_name,
        business=prompts.BUSINESS_KIND.get(context.business_kind, "公积金业务"),
    )
    if speech:
        text += prompts.SPEECH_HINT
    return ask(
        settings,
        attempt_id=context.attempt_id,
        question=context.questions[0],
        tries=0,
        speech=speech,
        preface=text,
    )


def _recording(settings: IvrSettings, *, text: str, url: str, max_length: int) -> str:
    """Say a request, record until # or silence, and come back without a recording if none."""
    response = VoiceResponse()
    _say(response, text, settings)
    response.record(
        action=url,
        method="POST",
        timeout=settings.recording_silence_seconds,
        max_length=max_length,
        finish_on_key="#",
        play_beep=True,
        trim="trim-silence",
    )
    response.redirect(url, method="POST")
    return str(response)


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
    response = VoiceResponse()
    _say(response, text, settings)
    response.hangup()
    return str(response)


def hang_up() -> str:
    """End the call at once (e.g. an answering machine)."""
    response = VoiceResponse()
    response.hangup()
    return str(response)


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


def parse_key(question: Question, digits: str | None) -> Answer | None:
    """The answer a key press means for a question, or None for no or a wrong key."""
    return KEYS[question].get((digits or "").strip()[:1])
