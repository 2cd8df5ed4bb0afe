"""Fetch TwiML from the application and run it, document after document, until the call ends."""

import asyncio
import time

import httpx

from twilio_emulator.amd import send_verdict, verdict_due
from twilio_emulator.params import call_params
from twilio_emulator.people import PersonScript
from twilio_emulator.prompts import gather
from twilio_emulator.recording import record
from twilio_emulator.runtime import CallControl, Emulator
from twilio_emulator.signing import signed_request
from twilio_emulator.store import Call
from twilio_emulator.twiml import TwimlError, Verb, parse_voice, resolve
from twilio_emulator.voice import Callee, HungUp, Next, play_simple

# Application errors, as Twilio's debugger numbers them.
HTTP_RETRIEVAL_FAILURE = 11200
DOCUMENT_PARSE_FAILURE = 12100


class ApplicationError(Exception):
    """The application answered with an error or with something that is not TwiML."""

    def __init__(self, code: int, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


async def fetch_verbs(
    emulator: Emulator, call: Call, request: Next, *, fallback: bool = False
) -> list[Verb]:
    """Request TwiML (signed) and parse it; raise ApplicationError as Twilio would log it.

    Chaos times out only the application's own webhooks: a FallbackUrl is meant to be a
    separate, simple responder, and the emulator lets it answer.
    """
    url, method, extra = request
    params = call_params(call) | extra
    sent_at, started = time.time(), time.perf_counter()
    try:
        response = await signed_request(
            emulator.client(),
            auth_token=emulator.config.twilio_auth_token,
            url=url,
            method=method,
            params=params,
        )
    except httpx.HTTPError as exc:
        call.log("webhook", url=url, method=method, params=params, error=repr(exc))
        raise ApplicationError(HTTP_RETRIEVAL_FAILURE, repr(exc)) from exc
    body = response.text
    timeout_rate = emulator.account.chaos.webhook_timeout_rate
    if not fallback and timeout_rate and emulator.rng.random() < timeout_rate:
        # The application answered too late: Twilio stopped waiting at 15 s (11200).
        emulator.stats.webhooks_timed_out += 1
        call.log("webhook", url=url, method=method, params=params, error="timeout after 15 s")
        raise ApplicationError(HTTP_RETRIEVAL_FAILURE, "timed out after 15 s")
    call.log(
        "webhook",
        url=url,
        method=method,
        params=params,
        http_status=response.status_code,
        twiml=body[:4000],
        # When it was sent and how long the answer took, as Twilio's debugger shows it.
        sent_at=round(sent_at, 4),
        answered_ms=round((time.perf_counter() - started) * 1000, 2),
    )
    if response.status_code >= 400:
        raise ApplicationError(HTTP_RETRIEVAL_FAILURE, f"HTTP {response.status_code}")
    try:
        return parse_voice(body)
    except TwimlError as exc:
        raise ApplicationError(DOCUMENT_PARSE_FAILURE, str(exc)) from exc


async def load_verbs(emulator: Emulator, call: Call, request: Next) -> tuple[list[Verb], str]:
    """The next document, trying FallbackUrl once when the application fails."""
    try:
        return await fetch_verbs(emulator, call, request), request[0]
    except ApplicationError as exc:
        call.log("error", code=exc.code, detail=exc.detail, url=request[0])
        if not call.fallback_url:
            raise
        fallback = (
            call.fallback_url,
            call.fallback_method,
            request[2] | {"ErrorCode": str(exc.code), "ErrorUrl": request[0]},
        )
        return await fetch_verbs(emulator, call, fallback, fallback=True), call.fallback_url


async def run_verbs(
    emulator: Emulator, call: Call, callee: Callee, verbs: list[Verb], base: str | None
) -> Next | None:
    """Run one document; return the next request, or None when the call should end."""
    for index, verb in enumerate(verbs):
        following_verb = verbs[index + 1].name if index + 1 < len(verbs) else None
        callee.record_follows = verb.name == "Gather" and following_verb == "Record"
        if verdict_due(call):
            await send_verdict(emulator, call)
        if verb.name in ("Say", "Play", "Pause"):
            await play_simple(emulator, call, callee, verb)
            dropped = callee.take_barge_in() if verb.name == "Say" else None
            if dropped is not None:
                # Outside <Gather> Twilio listens to no key: the press is lost.
                call.log("key_dropped", digits=dropped)
        elif verb.name in ("Gather", "Record"):
            step = gather if verb.name == "Gather" else record
            following = await step(emulator, call, callee, verb, base)
            if following is not None:
                return following
        elif verb.name == "Redirect":
            call.log("redirect", url=verb.text)
            return resolve(base, verb.text), verb.attr("method", "POST").upper(), {}
        else:
            # <Hangup>, and <Reject> which on an answered outbound call just ends it.
            call.log(verb.name.lower(), reason=verb.attr("reason"))
            return None
    call.log("document_end", url=base)
    return None


async def run_step(
    emulator: Emulator, call: Call, callee: Callee, request: Next | None
) -> Next | None:
    """Fetch (or take the inline Twiml) and run one document."""
    try:
        if request is None:
            verbs, base = parse_voice(call.twiml or ""), None
        else:
            verbs, base = await load_verbs(emulator, call, request)
        return await run_verbs(emulator, call, callee, verbs, base)
    except (ApplicationError, TwimlError) as exc:
        # Twilio says "an application error has occurred" and hangs up.
        call.log("application_error", detail=str(exc))
        return None
    except HungUp:
        call.log("hangup_by_person")
        return None


async def converse(
    emulator: Emulator, call: Call, *, script: PersonScript | None, machine: bool
) -> None:
    """Run documents until the call ends; an update with Url restarts at that URL."""
    control = emulator.controls.setdefault(call.sid, CallControl())
    callee = Callee(script=script, machine=machine)
    # With AsyncAmd the verdict goes to its own callback, never to the first webhook.
    first = {"AnsweredBy": call.answered_by} if call.answered_by and not call.async_amd else {}
    request: Next | None = (call.url, call.method, first) if call.url else None
    while True:
        control.dialogue = emulator.spawn(run_step(emulator, call, callee, request))
        try:
            request = await control.dialogue
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if control.redirect is None or (current is not None and current.cancelling()):
                raise
            (url, method), control.redirect = control.redirect, None
            request = (url, method, {})
            continue
        if request is None:
            return
