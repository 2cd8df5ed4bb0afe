"""<Record>: the person's words become a Recording resource served as WAV."""

import math

import httpx

from ivr.emulator.clips import silence_wav
from ivr.emulator.prompts import react
from ivr.emulator.resources import account_path
from ivr.emulator.runtime import Emulator
from ivr.emulator.signing import signed_request
from ivr.emulator.store import API_VERSION, Call, Recording, new_sid, rfc2822
from ivr.emulator.twiml import Verb, resolve
from ivr.emulator.voice import Callee, HungUp, Next, describe, spend


def recording_url(emulator: Emulator, recording: Recording) -> str:
    """RecordingUrl as Twilio gives it: the resource without an extension."""
    base = emulator.config.emulator_public_url.rstrip("/")
    return f"{base}{account_path(recording.account_sid)}/Recordings/{recording.sid}"


async def record(
    emulator: Emulator, call: Call, callee: Callee, verb: Verb, base: str | None
) -> Next | None:
    """Run a <Record>; None means nothing was recorded and the call moves on."""
    reply = react(emulator, callee, heard=callee.take_heard(), modes={"record"})
    call.log("record", beep=verb.flag("playBeep", True), reply=describe(reply))
    if reply.kind == "hangup":
        raise HungUp
    timeout = verb.number("timeout", 5)
    finish_keys = verb.attr("finishOnKey", "1234567890*#")
    pressed = reply.digits[:1] if reply.kind == "digits" else ""
    if reply.kind == "silence" or (pressed and pressed not in finish_keys):
        # Twilio skips the action when it heard no audio at all.
        await spend(emulator, call, timeout)
        return None
    seconds = reply.clip.seconds if reply.clip else 1.0
    seconds = min(seconds, verb.number("maxLength", 3600))
    wav = reply.clip.wav if reply.clip else silence_wav(seconds)
    recording = Recording(
        sid=new_sid("RE"),
        account_sid=call.account_sid,
        call_sid=call.sid,
        duration=max(1, math.ceil(seconds)),
        wav=wav,
        clip=reply.clip.name if reply.clip else None,
    )
    emulator.store.recordings[recording.sid] = recording
    await spend(emulator, call, seconds + (0 if pressed else timeout))
    params = {
        "RecordingUrl": recording_url(emulator, recording),
        "RecordingSid": recording.sid,
        "RecordingDuration": str(recording.duration),
    }
    if pressed:
        params["Digits"] = pressed
    if verb.attr("recordingStatusCallback"):
        emulator.spawn(_recording_status(emulator, call, verb, base, recording))
    target = verb.attr("action") or base
    if target is None:
        return None
    return resolve(base, target), verb.attr("method", "POST").upper(), params


async def _recording_status(
    emulator: Emulator, call: Call, verb: Verb, base: str | None, recording: Recording
) -> None:
    """POST recordingStatusCallback's 'completed' event."""
    events = verb.attr("recordingStatusCallbackEvent", "completed").replace(",", " ").split()
    if "completed" not in events:
        return
    params = {
        "AccountSid": call.account_sid,
        "CallSid": call.sid,
        "RecordingSid": recording.sid,
        "RecordingUrl": recording_url(emulator, recording),
        "RecordingStatus": "completed",
        "RecordingDuration": str(recording.duration),
        "RecordingChannels": "1",
        "RecordingStartTime": rfc2822(recording.date_created) or "",
        "RecordingSource": "RecordVerb",
        "RecordingTrack": "inbound",
        "ErrorCode": "0",
        "ApiVersion": API_VERSION,
    }
    url = resolve(base, verb.attr("recordingStatusCallback"))
    method = verb.attr("recordingStatusCallbackMethod", "POST").upper()
    try:
        response = await signed_request(
            emulator.client(),
            auth_token=emulator.config.twilio_auth_token,
            url=url,
            method=method,
            params=params,
        )
        call.log("recording_callback", url=url, http_status=response.status_code)
    except httpx.HTTPError as exc:
        call.log("recording_callback", url=url, error=repr(exc))
