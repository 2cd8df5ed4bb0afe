"""<Gather> and <Record>: where the person on the line presses, speaks or hangs up."""

from twilio_emulator.people import Reply, drawn_recording, drawn_reply, scripted_reply
from twilio_emulator.runtime import Emulator
from twilio_emulator.store import Call
from twilio_emulator.twiml import Verb, resolve
from twilio_emulator.voice import Callee, HungUp, Next, describe, play_simple, spend


def react(emulator: Emulator, callee: Callee, *, heard: str, modes: set[str]) -> Reply:
    """The person's reaction to a prompt: scripted input, or drawn from what they heard."""
    if callee.machine:
        return Reply("silence")
    if callee.pending is not None:
        reply, callee.pending = callee.pending, None
        return reply
    script = callee.script
    hangup_after = script.hangup_after if script is not None else None
    if hangup_after is not None and callee.prompts >= hangup_after:
        return Reply("hangup")
    callee.prompts += 1
    if script is not None:
        raw = script.inputs[callee.cursor] if callee.cursor < len(script.inputs) else None
        callee.cursor += 1
        return scripted_reply(raw, emulator.clips)
    if "record" in modes:
        return drawn_recording(mix=emulator.mix, rng=emulator.rng, clips=emulator.clips)
    return drawn_reply(
        heard=heard, modes=modes, mix=emulator.mix, rng=emulator.rng, clips=emulator.clips
    )


def keypad(digits: str, *, num_digits: int, finish_on_key: str) -> tuple[str, str]:
    """Digits Twilio collects from key presses, and the finishing key if one was pressed."""
    collected = ""
    for key in digits:
        if finish_on_key and key == finish_on_key:
            return collected, key
        collected += key
        if num_digits and len(collected) >= num_digits:
            break
    return collected, ""


def gather_result(
    emulator: Emulator, verb: Verb, reply: Reply, modes: set[str]
) -> dict[str, str] | None:
    """The action parameters for a reply, or None when Twilio got no usable input."""
    if reply.kind == "digits" and "dtmf" in modes:
        finish = verb.attr("finishOnKey", "#")
        digits, finished_on = keypad(
            reply.digits, num_digits=int(verb.number("numDigits", 0)), finish_on_key=finish
        )
        if digits:
            return {"Digits": digits, "FinishedOnKey": finished_on, "msg": "Gather End"}
    if reply.kind == "speech" and "speech" in modes and reply.clip is not None:
        confidence = emulator.rng.uniform(0.82, 0.97)
        return {"SpeechResult": reply.clip.text, "Confidence": f"{confidence:.8f}"}
    return None


async def gather(
    emulator: Emulator, call: Call, callee: Callee, verb: Verb, base: str | None
) -> Next | None:
    """Run a <Gather>; None means no input and fall through to the next verb."""
    barged: str | None = None
    modes = set(verb.attr("input", "dtmf").split())
    for child in verb.children:
        await play_simple(emulator, call, callee, child)
        barged = callee.take_barge_in() if child.name == "Say" else None
        if barged is not None:
            break  # a key pressed during the prompt ends it and counts, inside <Gather>
    heard = callee.take_heard()
    if barged is not None:
        reply = Reply("digits", digits=barged)
    else:
        reply = react(emulator, callee, heard=heard, modes=modes)
    call.log("gather", input=sorted(modes), heard=heard, reply=describe(reply))
    if reply.kind == "hangup" or (reply.hangup and reply.kind != "speech"):
        raise HungUp  # a <Gather> posts nothing when the caller hangs up
    if callee.record_follows and reply.kind in ("speech", "silence") and "speech" not in modes:
        # No key pressed: what they say (or their silence) belongs to what comes next.
        callee.pending = reply
        callee.heard.insert(0, heard)
        await spend(emulator, call, verb.number("timeout", 5))
        return None
    params = gather_result(emulator, verb, reply, modes)
    if params is None:
        await spend(emulator, call, verb.number("timeout", 5))
        if not verb.flag("actionOnEmptyResult"):
            return None
        params = {}
    else:
        await spend(emulator, call, reply.clip.seconds if reply.clip else 1.5)
    target = verb.attr("action") or base
    if target is None:
        return None
    return resolve(base, target), verb.attr("method", "POST").upper(), params
