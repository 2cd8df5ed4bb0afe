"""Twilio's Messages and Recordings REST resources."""

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from twilio_emulator import forms
from twilio_emulator.account import check_message, take_rate_limit
from twilio_emulator.errors import bad_request, not_found
from twilio_emulator.resources import account_path, message_json, page_json, recording_json
from twilio_emulator.routes_calls import emulator_of
from twilio_emulator.sms import run_message
from twilio_emulator.store import Message, Recording, new_sid

router = APIRouter()
_MAX_BODY = 1600


def _checked_message(request: Request, form_to: str | None, body: str | None) -> None:
    """Twilio's checks on To and Body."""
    if form_to is None:
        raise bad_request(21604, "A 'To' phone number is required.")
    if not forms.is_phone_number(form_to):
        raise bad_request(21211, f"Invalid 'To' Phone Number: {form_to}")
    if body is None:
        raise bad_request(21602, "Message body is required.")
    if len(body) > _MAX_BODY:
        raise bad_request(21617, "The concatenated message body exceeds the 1600 character limit.")


@router.post("/Messages.json", status_code=201)
async def create_message(request: Request) -> dict[str, object]:
    """Send an SMS; delivery and replies run in the background."""
    emulator = emulator_of(request)
    form = await request.form()
    to, body = forms.text(form, "To"), forms.text(form, "Body")
    sender, service = forms.text(form, "From"), forms.text(form, "MessagingServiceSid")
    _checked_message(request, to, body)
    if sender is None and service is None:
        raise bad_request(21603, "A 'From' phone number is required.")
    if sender is not None and not forms.is_phone_number(sender):
        raise bad_request(21212, f"Invalid 'From' Phone Number: {sender}")
    if sender == to:
        raise bad_request(21266, "'To' and 'From' number cannot be the same")
    take_rate_limit(emulator.account, emulator.stats)
    check_message(emulator.account, to=to or "", sender=sender)
    callback = forms.text(form, "StatusCallback")
    if callback is not None and (not forms.is_url(callback) or len(callback) > 4000):
        raise bad_request(21609, f"Invalid 'StatusCallback': {callback}")
    message = Message(
        sid=new_sid("SM"),
        account_sid=emulator.config.twilio_account_sid,
        to=to or "",
        from_=sender,
        body=body or "",
        direction="outbound-api",
        # With only a Messaging Service Twilio answers 'accepted' and picks a sender later.
        status="queued" if sender else "accepted",
        status_callback=callback,
        messaging_service_sid=service,
    )
    emulator.store.messages[message.sid] = message
    answer = message_json(message)
    emulator.spawn(run_message(emulator, message))
    return answer


@router.get("/Messages.json")
async def list_messages(request: Request) -> dict[str, object]:
    """List messages, newest first, filtered by To, From and DateSent>."""
    emulator = emulator_of(request)
    query = request.query_params
    messages = [
        message
        for message in reversed(emulator.store.messages.values())
        if query.get("To") in (None, message.to)
        and query.get("From") in (None, message.from_)
        and _sent_after(message, query.get("DateSent>"))
    ]
    return page_json(
        key="messages",
        items=[message_json(message) for message in messages],
        uri=f"{account_path(emulator.config.twilio_account_sid)}/Messages.json",
        page=int(query.get("Page", 0)),
        page_size=int(query.get("PageSize", 50)),
    )


def _sent_after(message: Message, moment: str | None) -> bool:
    """Twilio's DateSent> filter (a date or an ISO 8601 time, UTC); one not yet sent counts by
    its creation."""
    if moment is None:
        return True
    sent = message.date_sent or message.date_created
    try:
        if len(moment) <= 10:
            return sent.date() >= datetime.strptime(moment, "%Y-%m-%d").date()
        after = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(20001, f"Invalid DateSent> value: {moment}") from None
    return sent >= (after if after.tzinfo else after.replace(tzinfo=UTC))


@router.get("/Messages/{sid}.json")
async def fetch_message(request: Request, sid: str) -> dict[str, object]:
    """One message."""
    message = emulator_of(request).store.messages.get(sid)
    if message is None:
        raise not_found(request.url.path)
    return message_json(message)


def _recording(request: Request, sid: str) -> Recording:
    """A recording by sid, or Twilio's 20404."""
    recording = emulator_of(request).store.recordings.get(sid)
    if recording is None:
        raise not_found(request.url.path)
    return recording


@router.get("/Recordings/{sid}.json")
async def fetch_recording(request: Request, sid: str) -> dict[str, object]:
    """A recording's metadata."""
    public_url = emulator_of(request).config.emulator_public_url
    return recording_json(_recording(request, sid), public_url=public_url)


@router.delete("/Recordings/{sid}.json", status_code=204)
async def delete_recording(request: Request, sid: str) -> Response:
    """Delete a recording: its media is gone for good."""
    emulator = emulator_of(request)
    _recording(request, sid)
    del emulator.store.recordings[sid]
    emulator.stats.recordings_deleted.append(sid)
    return Response(status_code=204)


def _media(request: Request, sid: str) -> Response:
    """A recording's WAV, unless the account makes it late (404 at first) or absent."""
    emulator = emulator_of(request)
    recording = _recording(request, sid)
    recording.fetches += 1
    account = emulator.account
    if account.recordings_absent or recording.fetches <= account.recording_late_fetches:
        raise not_found(request.url.path)
    return Response(recording.wav, media_type="audio/x-wav")


@router.get("/Recordings/{sid}.wav")
async def recording_wav(request: Request, sid: str) -> Response:
    """The recording's audio."""
    return _media(request, sid)


@router.get("/Recordings/{sid}")
async def recording_media(request: Request, sid: str) -> Response:
    """Twilio serves WAV at the bare recording URL too."""
    return _media(request, sid)
