"""The person on the line, the call's clock, and the verbs that only speak or wait."""

from dataclasses import dataclass, field

from twilio_emulator.people import PersonScript, Reply
from twilio_emulator.runtime import Emulator
from twilio_emulator.store import Call
from twilio_emulator.twiml import Verb

# Where the call goes next: (url, method, extra params).
Next = tuple[str, str, dict[str, str]]

# Mandarin TTS speaks about four characters a second.
_CHARS_PER_SECOND = 4.0


class HungUp(Exception):
    """The person put the phone down."""


@dataclass
class Callee:
    """The person (or machine) on one call: script position and what they have heard."""

    script: PersonScript | None
    machine: bool
    cursor: int = 0
    prompts: int = 0
    heard: list[str] = field(default_factory=list)
    # What the person does next, decided at a keypad-only <Gather> they did not press at:
    # they speak, or stay silent, at whatever comes after it (a <Record>, or the re-ask).
    pending: Reply | None = None
    record_follows: bool = False  # the <Gather> being run is followed by a <Record>

    def take_barge_in(self) -> str | None:
        """A key the person presses while a prompt is still being read ("!1" in a script)."""
        script = self.script
        if script is None or self.cursor >= len(script.inputs):
            return None
        raw = script.inputs[self.cursor]
        if not isinstance(raw, str) or not raw.startswith("!"):
            return None
        self.cursor += 1
        self.prompts += 1
        return raw[1:]

    def take_heard(self) -> str:
        """Everything said since the last prompt, then forget it."""
        text, self.heard = "".join(self.heard), []
        return text


async def spend(emulator: Emulator, call: Call, seconds: float) -> None:
    """Advance the call's clock, waiting only as much as EMULATOR_SPEED asks."""
    call.elapsed += seconds
    await emulator.pause(seconds)


async def play_simple(emulator: Emulator, call: Call, callee: Callee, verb: Verb) -> None:
    """Run <Say>, <Play> or <Pause>; the person hears Say text."""
    # loop="0" means forever at Twilio; once is enough for a person to react.
    loops = max(1, int(verb.number("loop", 1)))
    if verb.name == "Say":
        callee.heard.append(verb.text * loops)
        call.log(
            "say",
            text=verb.text,
            voice=verb.attr("voice"),
            language=verb.attr("language"),
            ssml=[{"tag": tag, "attrs": attrs, "text": text} for tag, attrs, text in verb.ssml],
        )
        await spend(emulator, call, loops * max(1.0, len(verb.text) / _CHARS_PER_SECOND))
    elif verb.name == "Play":
        call.log("play", url=verb.text, digits=verb.attr("digits"))
        await spend(emulator, call, loops * 3.0)
    elif verb.name == "Pause":
        length = verb.number("length", 1)
        call.log("pause", length=length)
        await spend(emulator, call, length)


def describe(reply: Reply) -> dict[str, object]:
    """A reply as the transcript shows it."""
    clip = reply.clip
    return {
        "kind": reply.kind,
        "digits": reply.digits,
        "clip": clip.name if clip else None,
        "speech": clip.text if clip else None,
    }
