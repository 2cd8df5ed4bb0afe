"""<Record>: the person's words become a Recording resource served as WAV.

As at Twilio: a key in finishOnKey ends the recording and arrives as Digits; silence ends it
after `timeout` seconds; trim="trim-silence" (the default) trims silence, and an empty
recording is never posted — the call goes on with the next verb. A caller who hangs up after
speaking still gets the recording posted, with Digits=hangup (the answer's TwiML is ignored).
A prompt that offers keys ("满意请按2") makes the person answer it, by key or by voice.
"""

import math

import httpx

from twilio_emulator.clips import silence_wav
from twilio_emulator.params import call_params
from twilio_emulator.people import Reply, offered_options
from twilio_emulator.prompts import react
from twilio_emulator.resources import account_path
from twilio_emulator.runtime import Emulator
from twilio_emulator.signing import signed_request
from twilio_emulator.store import API_VERSION, Call, Recording, new_sid, rfc2822
from twilio_emulator.twiml import Verb, resolve
from twilio_emulator.voice import Callee, HungUp, Next, describe, spend

# How long a person takes to find and press a key once the prompt ends.
_KEY_DELAY_S = 1.0


def recording_url(emulator: Emulator, recording: Recording) -> str:
    """RecordingUrl as Twilio gives it: the resource without an extension."""
    base = emulator.config.emulator_public_url.rstrip("/")
    return f"{base}{account_path(recording.account_sid)}/Recordings/{recording.sid}"


def _audio(reply: Reply, verb: Verb, *, key: str) -> tuple[float, bytes | None]:
    """Seconds and audio of what was recorded; (0, None) when the recording is empty."""
    trim = verb.attr("trim", "trim-silence") != "do-not-trim"
    timeout = verb.number("timeout", 5)
    max_length = verb.number("maxLength", 3600)
    if reply.clip is not None:
        ended_by_silence = not key and not reply.hangup
        seconds = reply.clip.seconds + (timeout if ended_by_silence and not trim else 0)
        return min(seconds, max_length), reply.clip.wav
    if trim:
        return 0, None  # only silence, trimmed away
    seconds = min(_KEY_DELAY_S if key else timeout, max_length)
    return seconds, silence_wav(seconds)


async def record(
    emulator: Emulator, call: Call, callee: Callee, verb: Verb, base: str | None
) -> Next | None:
    """Run a <Record>; None means nothing was recorded and the call moves on."""
    heard = callee.take_heard()
    modes = {"dtmf", "speech"} if offered_options(heard) else {"record"}
    reply = react(emulator, callee, heard=heard, modes=modes)
    call.log("record", beep=verb.flag("playBeep", True), reply=describe(reply))
    if reply.kind == "hangup":
        raise HungUp  # nothing said: nothing to post
    finish_keys = verb.attr("finishOnKey", "1234567890*#")
    key = reply.digits[:1] if reply.digits[:1] and reply.digits[:1] in finish_keys else ""
    seconds, wav = _audio(reply, verb, key=key)
    if wav is None:
        await spend(emulator, call, _KEY_DELAY_S if key else verb.number("timeout", 5))
        call.log("record_empty", key=key)
        return None
    recording = Recording(
        sid=new_sid("RE"),
        account_sid=call.account_sid,
        call_sid=call.sid,
        duration=max(1, math.ceil(seconds)),
        wav=wav,
        clip=reply.clip.name if reply.clip else None,
    )
    emulator.store.recordings[recording.sid] = recording
    await spend(emulator, call, seconds)
    params = {
        "RecordingUrl": recording_url(emulator, recording),
        "RecordingSid": recording.sid,
        "RecordingDuration": str(recording.duration),
    }
    if key or reply.hangup:
        params["Digits"] = "hangup" if reply.hangup else key
    if verb.attr("recordingStatusCallback"):
        emulator.spawn(_recording_status(emulator, call, verb, base, recording))
    target = verb.attr("action") or base
    if target is None:
        return None
    following = resolve(base, target), verb.attr("method", "POST").upper(), params
    if reply.hangup:
        await _post_after_hangup(emulator, call, following)
        raise HungUp
    return following


async def _post_after_hangup(emulator: Emulator, call: Call, request: Next) -> None:
    """Twilio still posts the recording of a caller who hung up; what it answers is not run."""
    url, method, extra = request
    params = call_params(call) | {"CallStatus": "completed"} | extra
    try:
        response = await signed_request(
            emulator.client(),
            auth_token=emulator.config.twilio_auth_token,
            url=url,
            method=method,
            params=params,
        )
        call.log("webhook", url=url, method=method, params=params, http_status=response.status_code)
    except httpx.HTTPError as exc:
        call.log("webhook", url=url, method=method, params=params, error=repr(exc))


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
