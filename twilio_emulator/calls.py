"""A call's life: queued → initiated → ringing → answered → completed (or busy, no-answer…)."""

import asyncio
import math
from datetime import timedelta

import httpx

from twilio_emulator.dialogue import converse
from twilio_emulator.params import call_params
from twilio_emulator.people import AnswerMode, draw_answer
from twilio_emulator.runtime import CallControl, Emulator
from twilio_emulator.signing import signed_request
from twilio_emulator.store import Call, now, rfc2822

_SIP_CODES = {"completed": 200, "busy": 486, "no-answer": 487, "canceled": 487, "failed": 500}


async def send_status(emulator: Emulator, call: Call, *, event: str, status: str) -> None:
    """POST a call-progress event if the app subscribed to it; failures are only logged.

    In chaos mode (the account's `chaos`) the event may be lost, repeated, or sent late so
    that a later one overtakes it, as Twilio's callbacks can be.
    """
    if not call.status_callback or event not in call.status_callback_events:
        return
    params = call_params(call) | {
        "CallStatus": status,
        "Timestamp": rfc2822(now()) or "",
        "SequenceNumber": str(call.sequence),
        "CallbackSource": "call-progress-events",
    }
    call.sequence += 1
    if call.answered_by is not None:
        params["AnsweredBy"] = call.answered_by
    if event == "completed":
        seconds = call.duration or 0
        params |= {
            "CallDuration": str(seconds),
            "Duration": str(math.ceil(seconds / 60)),
            "SipResponseCode": str(_SIP_CODES.get(status, 200)),
        }
    chaos = emulator.account.chaos
    if chaos.lose_rate and emulator.rng.random() < chaos.lose_rate:
        emulator.stats.status_lost += 1
        call.log("status_callback_lost", event=event, status=status)
        return
    times = 1
    if chaos.repeat_rate and emulator.rng.random() < chaos.repeat_rate:
        emulator.stats.status_repeated += 1
        times = 2
    for _ in range(times):
        if chaos.delay_seconds:
            delay = emulator.rng.uniform(0, chaos.delay_seconds)
            emulator.spawn(_post_status(emulator, call, params, event=event, delay=delay))
        else:
            await _post_status(emulator, call, params, event=event)


async def _post_status(
    emulator: Emulator, call: Call, params: dict[str, str], *, event: str, delay: float = 0.0
) -> None:
    if delay:
        await asyncio.sleep(delay)  # real time: a late callback is late whatever the speed
    status = params["CallStatus"]
    assert call.status_callback is not None
    emulator.stats.status_sent += 1
    try:
        response = await signed_request(
            emulator.client(),
            auth_token=emulator.config.twilio_auth_token,
            url=call.status_callback,
            method=call.status_callback_method,
            params=params,
        )
        call.log("status_callback", event=event, status=status, http_status=response.status_code)
    except httpx.HTTPError as exc:
        call.log("status_callback", event=event, status=status, error=repr(exc))


def _answered_by(emulator: Emulator, call: Call, mode: AnswerMode) -> str | None:
    """AnsweredBy as AMD reports it, only when MachineDetection was asked for."""
    if call.machine_detection is None:
        return None
    if emulator.account.amd == "unknown":
        return "unknown"
    if mode == "human":
        return "human"
    return "machine_end_beep" if call.machine_detection == "DetectMessageEnd" else "machine_start"


async def ring(emulator: Emulator, call: Call, mode: AnswerMode) -> bool:
    """Initiate and ring; True when someone (or something) picks up."""
    if call.queue_seconds > 0:  # the account's calls-per-second queue: real time
        await asyncio.sleep(call.queue_seconds)
    await send_status(emulator, call, event="initiated", status="initiated")
    if mode == "failed":
        return False
    await emulator.pause(1)
    if mode == "busy":
        return False
    call.status = "ringing"
    call.date_updated = now()
    await send_status(emulator, call, event="ringing", status="ringing")
    wait = float(call.timeout) if mode == "no-answer" else emulator.rng.uniform(2, 8)
    await emulator.pause(wait)
    return mode != "no-answer"


async def finish(emulator: Emulator, call: Call, status: str) -> None:
    """Set the final status and times, then send the completed event."""
    call.status = status
    if call.start_time is not None:
        call.duration = max(1, math.ceil(call.elapsed)) if status == "completed" else 0
        call.end_time = call.start_time + timedelta(seconds=call.duration)
    else:
        call.duration = 0
    call.date_updated = now()
    call.log("end", status=status, duration=call.duration)
    await send_status(emulator, call, event="completed", status=status)


async def run_call(emulator: Emulator, call: Call) -> None:
    """The whole call, as a background task."""
    control = emulator.controls.setdefault(call.sid, CallControl())
    try:
        script = emulator.script_for(call.to)
        mode = script.answer if script else draw_answer(emulator.mix, emulator.rng)
        call.log("dial", answer=mode)
        if not await ring(emulator, call, mode):
            await finish(emulator, call, mode)
            return
        call.status, call.start_time = "in-progress", now()
        call.answered_by = _answered_by(emulator, call, mode)
        call.date_updated = now()
        await send_status(emulator, call, event="answered", status="in-progress")
        await converse(emulator, call, script=script, machine=mode == "machine")
        await finish(emulator, call, control.end_status or "completed")
    except asyncio.CancelledError:
        # The update route cancels a queued/ringing call; shutdown cancels everything.
        if control.end_status is None:
            raise
        await finish(emulator, call, control.end_status)
    finally:
        emulator.controls.pop(call.sid, None)
