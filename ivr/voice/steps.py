"""The phone survey as provider-neutral steps: what is said, what is asked, where answers go.

The survey (ivr.voice.survey) decides the steps; a provider adapter renders them (Twilio:
ivr.twilio.twiml renders TwiML). A domestic carrier or a SIP trunk renders the same steps in
its own call-control language, so the survey never changes with the provider.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Say:
    """Speak a sentence (a phone number in it is read digit by digit, as a number)."""

    text: str


@dataclass(frozen=True)
class Ask:
    """Speak a question and take one key, pressed while it is read or after it.

    With `speech`, a short spoken answer is recorded after the question too (any key ends
    it), decoded by our own ASR; `answer_seconds` and `silence_seconds` bound that recording.
    Nothing heard: the same `action` is asked again without input, so the survey decides.
    """

    text: str
    action: str
    wait_seconds: int
    speech: bool = False
    answer_seconds: int = 8
    silence_seconds: int = 3


@dataclass(frozen=True)
class Record:
    """Speak a request, then record free speech (a reason, a suggestion) until # or silence."""

    text: str
    action: str
    max_seconds: int
    silence_seconds: int


@dataclass(frozen=True)
class Hangup:
    """End the call."""


Step = Say | Ask | Record | Hangup
