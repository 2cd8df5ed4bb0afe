"""The phone survey as pure functions: survey state in, TwiML out (golden-testable)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr import prompts
from ivr.config import IvrSettings

RATING_KEYS = {"1": "very_satisfied", "2": "satisfied", "3": "unsatisfied"}
YES_NO_KEYS = {"1": "yes", "2": "no"}
KEYS = {
    "attitude": RATING_KEYS,
    "efficiency": RATING_KEYS,
    "repeat_trip": YES_NO_KEYS,
    "favour_asked": YES_NO_KEYS,
}
ORDER = ("attitude", "efficiency", "repeat_trip", "favour_asked")
RESCHEDULE_KEY = "9"
MAX_RETRIES = 2  # re-asks after the first ask; then the answer is marked unclear


@dataclass(frozen=True)
class SurveyContext:
    """What the greeting may say: never an amount, never an ID number."""

    attempt_id: int
    business_kind: str  # withdrawal | loan
    business_date: str  # e.g. 11月3日
    outlet_name: str


def step_url(settings: IvrSettings, *, attempt_id: int, question: str, tries: int) -> str:
    """The absolute URL that receives the answer to a question."""
    query = urlencode({"attempt": attempt_id, "q": question, "try": tries})
    return settings.webhook_url(f"/twilio/voice/answer?{query}")


def _say(node: VoiceResponse | Gather, text: str, settings: IvrSettings) -> None:
    node.say(text, language=settings.voice_language, voice=settings.voice)


def ask(
    settings: IvrSettings, *, attempt_id: int, question: str, tries: int, preface: str = ""
) -> str:
    """Ask one question by keypad; no input comes back to the same URL without Digits."""
    response = VoiceResponse()
    url = step_url(settings, attempt_id=attempt_id, question=question, tries=tries)
    gather = Gather(
        input="dtmf",
        num_digits=1,
        action=url,
        method="POST",
        timeout=settings.gather_timeout_seconds,
    )
    _say(gather, preface + prompts.QUESTIONS[question], settings)
    response.append(gather)
    response.redirect(url, method="POST")
    return str(response)


def greeting(settings: IvrSettings, *, context: SurveyContext) -> str:
    """The first thing the person hears: who calls, about what, and the first question."""
    text = prompts.GREETING.format(
        centre=settings.centre_name,
        date=context.business_date,
        outlet=context.outlet_name,
        business=prompts.BUSINESS_KIND.get(context.business_kind, "公积金业务"),
    )
    return ask(settings, attempt_id=context.attempt_id, question=ORDER[0], tries=0, preface=text)


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


def next_question(question: str) -> str | None:
    """The question after this one, or None at the end."""
    index = ORDER.index(question)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def parse_key(question: str, digits: str | None) -> str | None:
    """The answer a key press means for a question, or None for no or a wrong key."""
    return KEYS[question].get((digits or "").strip()[:1])
