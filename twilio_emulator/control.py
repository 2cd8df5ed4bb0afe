"""The emulator's own control API (/_emulator), for tests and the demo; not Twilio's."""

import asyncio
import time

from fastapi import APIRouter, HTTPException, Request

from twilio_emulator.account import AccountState
from twilio_emulator.people import Mix, PersonScript
from twilio_emulator.resources import message_json
from twilio_emulator.routes_calls import emulator_of

router = APIRouter(prefix="/_emulator")


@router.get("/health")
async def health(request: Request) -> dict[str, object]:
    """Liveness and a few counters."""
    emulator = emulator_of(request)
    return {
        "status": "ok",
        "account_sid": emulator.config.twilio_account_sid,
        "calls": len(emulator.store.calls),
        "messages": len(emulator.store.messages),
        "active_tasks": len(emulator.tasks),
        "clips": sorted(emulator.clips),
    }


@router.get("/idle")
async def idle(request: Request, timeout: float = 30.0) -> dict[str, object]:
    """Wait until every call and message has finished (or the timeout passes)."""
    emulator = emulator_of(request)
    deadline = time.monotonic() + timeout
    while emulator.tasks and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return {"idle": not emulator.tasks, "active_tasks": len(emulator.tasks)}


@router.put("/people/{phone}")
async def put_person(request: Request, phone: str, script: PersonScript) -> PersonScript:
    """Script how one number behaves."""
    emulator_of(request).scripts[phone] = script
    return script


@router.get("/people/{phone}/inbox")
async def inbox(request: Request, phone: str) -> list[dict[str, object]]:
    """The messages a person has received."""
    return emulator_of(request).inboxes.get(phone, [])


@router.get("/people/{phone}/web")
async def web_visits(request: Request, phone: str) -> list[dict[str, object]]:
    """The web survey links a person followed, and what each showed them."""
    return [visit.as_dict() for visit in emulator_of(request).web_visits.get(phone, [])]


@router.put("/mix")
async def put_mix(request: Request, mix: Mix) -> Mix:
    """Set how unscripted numbers behave."""
    emulator_of(request).mix = mix
    return mix


@router.get("/mix")
async def get_mix(request: Request) -> Mix:
    """How unscripted numbers behave now."""
    return emulator_of(request).mix


@router.put("/account")
async def put_account(request: Request, account: AccountState) -> AccountState:
    """Set what the account allows and how Twilio misbehaves (see twilio_emulator.account)."""
    emulator_of(request).account = account
    return account


@router.get("/account")
async def get_account(request: Request) -> dict[str, object]:
    """The account's state and what happened to it (queued calls, 20429s, deletions…)."""
    emulator = emulator_of(request)
    return {"state": emulator.account.model_dump(), "stats": emulator.stats.as_json()}


@router.get("/calls/{sid}/transcript")
async def transcript(request: Request, sid: str) -> dict[str, object]:
    """What happened on a call: prompts, presses and speech, webhook answers, callbacks."""
    call = emulator_of(request).store.calls.get(sid)
    if call is None:
        raise HTTPException(404, f"no call {sid}")
    return {
        "sid": call.sid,
        "to": call.to,
        "status": call.status,
        "answered_by": call.answered_by,
        "duration": call.duration,
        "steps": call.transcript,
    }


@router.get("/messages")
async def messages(request: Request) -> list[dict[str, object]]:
    """Every message with its status events and webhook answers."""
    return [
        message_json(message) | {"events": message.events}
        for message in emulator_of(request).store.messages.values()
    ]


@router.post("/reset")
async def reset(request: Request) -> dict[str, str]:
    """Forget scripts, inboxes and finished records (running work is left alone)."""
    emulator = emulator_of(request)
    emulator.scripts.clear()
    emulator.inboxes.clear()
    emulator.mix = Mix()
    emulator.account = AccountState()
    return {"status": "reset"}
