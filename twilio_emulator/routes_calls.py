"""Twilio's Calls REST resource: create, list, fetch, update."""

import asyncio

from fastapi import APIRouter, Request

from twilio_emulator import forms
from twilio_emulator.account import check_call, queue_delay, take_rate_limit
from twilio_emulator.calls import run_call
from twilio_emulator.errors import bad_request, not_found
from twilio_emulator.resources import account_path, call_json, page_json
from twilio_emulator.runtime import CallControl, Emulator
from twilio_emulator.store import Call, new_sid, now

router = APIRouter()


def emulator_of(request: Request) -> Emulator:
    """The emulator serving this app."""
    emulator: Emulator = request.app.state.emulator
    return emulator


def _find(emulator: Emulator, request: Request, sid: str) -> Call:
    """A call by sid, or Twilio's 20404."""
    call = emulator.store.calls.get(sid)
    if call is None:
        raise not_found(request.url.path)
    return call


@router.post("/Calls.json", status_code=201)
async def create_call(request: Request) -> dict[str, object]:
    """Place a call; it runs in the background like Twilio's."""
    emulator = emulator_of(request)
    form = await request.form()
    to, sender = forms.call_to(form), forms.call_from(form)
    take_rate_limit(emulator.account, emulator.stats)
    check_call(emulator.account, to=to, sender=sender)
    twiml = forms.text(form, "Twiml")
    url = forms.webhook_url(
        form, "Url", required=twiml is None and not forms.text(form, "ApplicationSid")
    )
    call = Call(
        sid=new_sid("CA"),
        account_sid=emulator.config.twilio_account_sid,
        to=to,
        from_=sender,
        url=url,
        method=forms.method(form, "Method"),
        twiml=twiml if url is None else None,
        status_callback=forms.webhook_url(form, "StatusCallback"),
        status_callback_method=forms.method(form, "StatusCallbackMethod"),
        status_callback_events=forms.events(form, "StatusCallbackEvent", ["completed"]),
        machine_detection=forms.text(form, "MachineDetection"),
        timeout=int(forms.text(form, "Timeout") or 60),
        fallback_url=forms.webhook_url(form, "FallbackUrl"),
        fallback_method=forms.method(form, "FallbackMethod"),
        async_amd=(forms.text(form, "AsyncAmd") or "").lower() == "true",
        async_amd_callback=forms.webhook_url(form, "AsyncAmdStatusCallback"),
        async_amd_callback_method=forms.method(form, "AsyncAmdStatusCallbackMethod"),
    )
    call.queue_seconds = queue_delay(emulator.account, emulator.stats)
    emulator.store.calls[call.sid] = call
    control = emulator.controls.setdefault(call.sid, CallControl())
    control.task = emulator.spawn(run_call(emulator, call))
    return call_json(call)


@router.get("/Calls.json")
async def list_calls(request: Request) -> dict[str, object]:
    """List calls, newest first, filtered by To, From and Status."""
    emulator = emulator_of(request)
    query = request.query_params
    calls = [
        call
        for call in reversed(emulator.store.calls.values())
        if query.get("To") in (None, call.to)
        and query.get("From") in (None, call.from_)
        and query.get("Status") in (None, call.status)
        and _started_after(call, query.get("StartTime>"))
    ]
    return page_json(
        key="calls",
        items=[call_json(call) for call in calls],
        uri=f"{account_path(emulator.config.twilio_account_sid)}/Calls.json",
        page=int(query.get("Page", 0)),
        page_size=int(query.get("PageSize", 50)),
    )


def _started_after(call: Call, day: str | None) -> bool:
    """Twilio's StartTime> filter: a date (YYYY-MM-DD, UTC); a queued call counts by creation."""
    if day is None:
        return True
    moment = call.start_time or call.date_created
    return moment.date().isoformat() >= day[:10]


@router.get("/Calls/{sid}.json")
async def fetch_call(request: Request, sid: str) -> dict[str, object]:
    """One call."""
    emulator = emulator_of(request)
    return call_json(_find(emulator, request, sid))


@router.post("/Calls/{sid}.json")
async def update_call(request: Request, sid: str) -> dict[str, object]:
    """Hang up, cancel or redirect a live call."""
    emulator = emulator_of(request)
    call = _find(emulator, request, sid)
    form = await request.form()
    status, url = forms.text(form, "Status"), forms.webhook_url(form, "Url")
    control = emulator.controls.get(sid)
    if url is not None:
        if control is None or call.status != "in-progress" or control.dialogue is None:
            raise bad_request(21220, "Call is not in-progress. Cannot redirect.")
        control.redirect = (url, forms.method(form, "Method"))
        control.dialogue.cancel()
    elif status in ("canceled", "completed") and control is not None and control.task:
        live = call.status == "in-progress"
        # canceled only touches calls not yet answered; completed ends either kind.
        if status == "completed" or not live:
            control.end_status = "completed" if live else "canceled"
            control.task.cancel()
            await asyncio.wait({control.task}, timeout=5)
    elif status is not None and status not in ("canceled", "completed"):
        raise bad_request(21218, f"Invalid Status: {status}")
    call.date_updated = now()
    return call_json(call)
