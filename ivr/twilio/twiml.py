"""The neutral survey steps (ivr.voice.steps) rendered as TwiML, through the SDK's builders.

Why each choice:
- An <Ask> puts its <Say> inside a one-digit <Gather>, so a key pressed while the question is
  still read counts (outside <Gather> Twilio drops it). With spoken answers the <Gather> waits
  one second, then a <Record> takes the spoken answer or a key; trim="do-not-trim" keeps a
  key pressed before any sound from making an empty recording that Twilio would not post.
- Every <Gather>/<Record> is followed by a <Redirect> to the same action, so no input still
  comes back to us (a request without Digits or RecordingUrl) instead of ending the call.
- "12329" is read as a telephone number (SSML say-as), not as twelve thousand…
"""

from collections.abc import Iterable

from twilio.twiml.voice_response import Gather, VoiceResponse
from twilio.twiml.voice_response import Say as SayVerb

from ivr.config import IvrSettings
from ivr.voice.steps import Ask, Hangup, Record, Say, Step

HOTLINE = "12329"
ANY_KEY = "0123456789*#"


def render(steps: Iterable[Step], settings: IvrSettings) -> str:
    """A TwiML document for a sequence of steps."""
    response = VoiceResponse()
    for step in steps:
        if isinstance(step, Say):
            response.append(_say(step.text, settings))
        elif isinstance(step, Ask):
            _ask(response, step, settings)
        elif isinstance(step, Record):
            _record(response, step, settings)
        elif isinstance(step, Hangup):
            response.hangup()
    return str(response)


def _say(text: str, settings: IvrSettings) -> SayVerb:
    """<Say> in the survey's voice; the hotline number read as a telephone number."""
    parts = text.split(HOTLINE)
    say = SayVerb(parts[0] or None, language=settings.voice_language, voice=settings.voice)
    for part in parts[1:]:
        say.say_as(HOTLINE, interpret_as="telephone")
        if part:
            say.append(part)
    return say


def _ask(response: VoiceResponse, step: Ask, settings: IvrSettings) -> None:
    gather = Gather(
        input="dtmf",
        num_digits=1,
        action=step.action,
        method="POST",
        timeout=1 if step.speech else step.wait_seconds,
    )
    gather.append(_say(step.text, settings))
    response.append(gather)
    if step.speech:
        response.record(
            action=step.action,
            method="POST",
            timeout=step.silence_seconds,
            max_length=step.answer_seconds,
            finish_on_key=ANY_KEY,
            play_beep=False,
            trim="do-not-trim",
        )
    response.redirect(step.action, method="POST")


def _record(response: VoiceResponse, step: Record, settings: IvrSettings) -> None:
    response.append(_say(step.text, settings))
    response.record(
        action=step.action,
        method="POST",
        timeout=step.silence_seconds,
        max_length=step.max_seconds,
        finish_on_key="#",
        play_beep=True,
        trim="trim-silence",
    )
    response.redirect(step.action, method="POST")
