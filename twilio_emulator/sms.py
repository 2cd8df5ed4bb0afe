"""A message's life: queued → sent → delivered (or failed, undelivered), then replies."""

import httpx

from twilio_emulator.account import opt_out_type
from twilio_emulator.browser import WebVisit, answer_link, link_in
from twilio_emulator.params import country_of
from twilio_emulator.people import drawn_sms_reply
from twilio_emulator.resources import num_segments
from twilio_emulator.runtime import Emulator
from twilio_emulator.signing import signed_request
from twilio_emulator.store import API_VERSION, Message, new_sid, now
from twilio_emulator.twiml import TwimlError, parse_messaging, resolve

# Carrier errors Twilio reports for the two ways delivery goes wrong.
_FAILURES = {
    "undelivered": (30003, "Unreachable destination handset"),
    "failed": (30006, "Landline or unreachable carrier"),
}
# The sender Twilio picks from a Messaging Service pool when no From was given.
SERVICE_NUMBER = "+12025550100"


def _status_params(message: Message) -> dict[str, str]:
    """What Twilio POSTs to a message's StatusCallback."""
    params = {
        "AccountSid": message.account_sid,
        "ApiVersion": API_VERSION,
        "From": message.from_ or "",
        "To": message.to,
        "MessageSid": message.sid,
        "MessageStatus": message.status,
        "SmsSid": message.sid,
        "SmsStatus": message.status,
    }
    if message.messaging_service_sid:
        params["MessagingServiceSid"] = message.messaging_service_sid
    if message.error_code is not None:
        params["ErrorCode"] = str(message.error_code)
    return params


async def _set_status(emulator: Emulator, message: Message, status: str) -> None:
    """Move the message on and tell the application if it asked to know."""
    message.status, message.date_updated = status, now()
    event: dict[str, object] = {"status": status}
    if message.status_callback:
        try:
            response = await signed_request(
                emulator.client(),
                auth_token=emulator.config.twilio_auth_token,
                url=message.status_callback,
                method=message.status_callback_method,
                params=_status_params(message),
            )
            event["http_status"] = response.status_code
        except httpx.HTTPError as exc:
            event["error"] = repr(exc)
    message.events.append(event)


async def run_message(emulator: Emulator, message: Message) -> None:
    """Deliver an outbound message (API or TwiML reply), then let the person answer it.

    Twilio sends no status callback for a message's initial status (queued, or accepted with
    a Messaging Service): the first callback is the next status.
    """
    script = emulator.script_for(message.to)
    outcome = script.sms_delivery if script else "delivered"
    if message.status == "accepted":
        message.from_ = message.from_ or SERVICE_NUMBER
        await emulator.pause(0.5)
        await _set_status(emulator, message, "queued")
    await emulator.pause(1)
    if outcome == "failed":
        message.error_code, message.error_message = _FAILURES["failed"]
        await _set_status(emulator, message, "failed")
        return
    message.date_sent = now()
    await _set_status(emulator, message, "sent")
    await emulator.pause(2)
    if outcome == "undelivered":
        message.error_code, message.error_message = _FAILURES["undelivered"]
        await _set_status(emulator, message, "undelivered")
        return
    await _set_status(emulator, message, "delivered")
    receive(emulator, message)
    link = link_in(message.body or "")
    if script is not None and script.sms_replies and message.from_:
        # A person answers what they read: each message that reaches them takes the next
        # scripted reply (the invitation the first, our follow-up the second, and so on).
        # "web:1111 words" follows the message's link and answers there instead;
        # "web-open" only opens it.
        body = script.sms_replies.pop(0)
        await emulator.pause(emulator.rng.uniform(5, 30))
        if body.startswith("web") and link is not None:
            await _on_the_web(emulator, person=message.to, link=link, script=body)
        else:
            await send_reply(emulator, person=message.to, to=message.from_, body=body)
    elif (
        script is None and link is not None and emulator.rng.random() < emulator.mix.web_answer_rate
    ):
        await emulator.pause(emulator.rng.uniform(5, 60))
        await _on_the_web(emulator, person=message.to, link=link, script="web")
    elif script is None and message.from_:
        drawn = drawn_sms_reply(message.body or "", mix=emulator.mix, rng=emulator.rng)
        if drawn is not None:
            await emulator.pause(emulator.rng.uniform(5, 60))
            await send_reply(emulator, person=message.to, to=message.from_, body=drawn)


async def _on_the_web(emulator: Emulator, *, person: str, link: str, script: str) -> None:
    """The person taps the link: answers the form (scripted digits, or drawn), or just opens it."""
    head, _, suggestion = script.partition(" ")
    digits = head.removeprefix("web:") if head.startswith("web:") else None
    try:
        visit = await answer_link(
            link,
            digits=digits,
            suggestion=suggestion.strip(),
            mix=emulator.mix,
            rng=emulator.rng,
            submit=head != "web-open",
            timeout=emulator.config.emulator_webhook_timeout,
        )
    except httpx.HTTPError as exc:
        visit = WebVisit(link=link, heading=f"error: {exc!r}")
    emulator.web_visits.setdefault(person, []).append(visit)


def receive(emulator: Emulator, message: Message) -> None:
    """Put a delivered message in the person's inbox."""
    emulator.inboxes.setdefault(message.to, []).append(
        {
            "sid": message.sid,
            "from": message.from_,
            "body": message.body,
            "direction": message.direction,
            "received_at": str(now()),
        }
    )


def inbound_params(message: Message) -> dict[str, str]:
    """What Twilio POSTs to the SMS webhook for an incoming message."""
    return {
        "ToCountry": country_of(message.to),
        "ToState": "",
        "SmsMessageSid": message.sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": message.sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": message.body,
        "FromCountry": country_of(message.from_ or ""),
        "To": message.to,
        "ToZip": "",
        "NumSegments": str(num_segments(message.body)),
        "MessageSid": message.sid,
        "AccountSid": message.account_sid,
        "From": message.from_ or "",
        "ApiVersion": API_VERSION,
    }


async def send_reply(emulator: Emulator, *, person: str, to: str, body: str) -> Message:
    """The person texts back: an inbound message POSTed, signed, to EMULATOR_SMS_URL."""
    inbound = Message(
        sid=new_sid("SM"),
        account_sid=emulator.config.twilio_account_sid,
        to=to,
        from_=person,
        body=body,
        direction="inbound",
        status="received",
    )
    emulator.store.messages[inbound.sid] = inbound
    url = emulator.config.emulator_sms_url
    params = inbound_params(inbound)
    # Twilio acts on STOP/START/HELP itself (its own opt-out list) and tells us so.
    kind = opt_out_type(emulator.account, person=person, body=body)
    if kind is not None:
        params["OptOutType"] = kind
    try:
        response = await signed_request(
            emulator.client(),
            auth_token=emulator.config.twilio_auth_token,
            url=url,
            method="POST",
            params=params,
        )
    except httpx.HTTPError as exc:
        inbound.events.append({"webhook": url, "error": repr(exc)})
        return inbound
    inbound.events.append(
        {"webhook": url, "http_status": response.status_code, "answer": response.text[:4000]}
    )
    if response.status_code < 400:
        await _answer_with_twiml(emulator, inbound, response.text, webhook_url=url)
    return inbound


async def _answer_with_twiml(
    emulator: Emulator, inbound: Message, document: str, *, webhook_url: str
) -> None:
    """Send the <Message> replies of the webhook's TwiML answer, as Twilio would."""
    try:
        verbs = parse_messaging(document)
    except TwimlError as exc:
        inbound.events.append({"error": f"12100 {exc}"})
        return
    for verb in verbs:
        # `action` (statusCallback, its older name) gets the reply's status callbacks.
        callback = verb.attr("action") or verb.attr("statusCallback")
        reply = Message(
            sid=new_sid("SM"),
            account_sid=inbound.account_sid,
            to=verb.attr("to") or inbound.from_ or "",
            from_=verb.attr("from") or inbound.to,
            body=verb.text,
            direction="outbound-reply",
            status="queued",
            status_callback=resolve(webhook_url, callback) if callback else None,
            status_callback_method=(verb.attr("method") or "POST").upper(),
        )
        emulator.store.messages[reply.sid] = reply
        emulator.spawn(run_message(emulator, reply))
