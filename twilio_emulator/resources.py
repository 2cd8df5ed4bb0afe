"""The JSON Twilio answers with for calls, messages, recordings and list pages."""

import hashlib

from twilio_emulator.store import API_VERSION, Call, Message, Recording, rfc2822

# Chinese text goes out as UCS-2: 70 characters fit one SMS, 67 per part when split.
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def account_path(account_sid: str) -> str:
    """The REST path of an account."""
    return f"/{API_VERSION}/Accounts/{account_sid}"


def num_segments(body: str) -> int:
    """How many SMS parts Twilio bills for a body."""
    single, part = (160, 153) if set(body) <= _GSM7 else (70, 67)
    if len(body) <= single:
        return 1
    return -(-len(body) // part)


def phone_number_sid(number: str) -> str:
    """A stable PN sid for one of 'our' numbers."""
    return "PN" + hashlib.md5(number.encode()).hexdigest()


def call_json(call: Call) -> dict[str, object]:
    """A call as Twilio's api.v2010.account.call."""
    base = f"{account_path(call.account_sid)}/Calls/{call.sid}"
    subresources = (
        "notifications",
        "recordings",
        "payments",
        "events",
        "siprec",
        "streams",
        "transcriptions",
        "user_defined_message_subscriptions",
        "user_defined_messages",
    )
    return {
        "sid": call.sid,
        "date_created": rfc2822(call.date_created),
        "date_updated": rfc2822(call.date_updated),
        "parent_call_sid": None,
        "account_sid": call.account_sid,
        "to": call.to,
        "to_formatted": call.to,
        "from": call.from_,
        "from_formatted": call.from_,
        "phone_number_sid": phone_number_sid(call.from_),
        "status": call.status,
        "start_time": rfc2822(call.start_time),
        "end_time": rfc2822(call.end_time),
        "duration": None if call.duration is None else str(call.duration),
        "price": None,
        "price_unit": "USD",
        "direction": "outbound-api",
        "answered_by": call.answered_by,
        "api_version": API_VERSION,
        "forwarded_from": None,
        "group_sid": None,
        "caller_name": None,
        "queue_time": "0",
        "trunk_sid": None,
        "uri": f"{base}.json",
        "subresource_uris": {name: f"{base}/{_camel(name)}.json" for name in subresources},
    }


def message_json(message: Message) -> dict[str, object]:
    """A message as Twilio's api.v2010.account.message."""
    base = f"{account_path(message.account_sid)}/Messages/{message.sid}"
    return {
        "body": message.body,
        "num_segments": str(num_segments(message.body)),
        "direction": message.direction,
        "from": message.from_,
        "to": message.to,
        "date_updated": rfc2822(message.date_updated),
        "price": None,
        "error_message": message.error_message,
        "uri": f"{base}.json",
        "account_sid": message.account_sid,
        "num_media": "0",
        "status": message.status,
        "messaging_service_sid": message.messaging_service_sid,
        "sid": message.sid,
        "date_sent": rfc2822(message.date_sent),
        "date_created": rfc2822(message.date_created),
        "error_code": message.error_code,
        "price_unit": "USD",
        "api_version": API_VERSION,
        "subresource_uris": {"media": f"{base}/Media.json", "feedback": f"{base}/Feedback.json"},
    }


def recording_json(recording: Recording, *, public_url: str) -> dict[str, object]:
    """A recording as Twilio's api.v2010.account.recording."""
    base = f"{account_path(recording.account_sid)}/Recordings/{recording.sid}"
    return {
        "account_sid": recording.account_sid,
        "api_version": API_VERSION,
        "call_sid": recording.call_sid,
        "conference_sid": None,
        "date_created": rfc2822(recording.date_created),
        "date_updated": rfc2822(recording.date_created),
        "start_time": rfc2822(recording.date_created),
        "duration": str(recording.duration),
        "sid": recording.sid,
        "price": None,
        "price_unit": "USD",
        "status": "completed",
        "channels": 1,
        "source": "RecordVerb",
        "error_code": None,
        "uri": f"{base}.json",
        "encryption_details": None,
        "subresource_uris": {
            "add_on_results": f"{base}/AddOnResults.json",
            "transcriptions": f"{base}/Transcriptions.json",
        },
        "media_url": f"{public_url.rstrip('/')}{base}",
    }


def page_json(
    *, key: str, items: list[dict[str, object]], uri: str, page: int, page_size: int
) -> dict[str, object]:
    """One page of a Twilio list, with the uris the SDK follows."""
    start = page * page_size
    chunk = items[start : start + page_size]
    has_next = start + page_size < len(items)

    def page_uri(number: int) -> str:
        return f"{uri}?PageSize={page_size}&Page={number}"

    return {
        key: chunk,
        "end": start + max(len(chunk), 1) - 1,
        "first_page_uri": page_uri(0),
        "next_page_uri": page_uri(page + 1) if has_next else None,
        "page": page,
        "page_size": page_size,
        "previous_page_uri": page_uri(page - 1) if page > 0 else None,
        "start": start,
        "uri": page_uri(page),
    }


def _camel(name: str) -> str:
    """notifications -> Notifications, user_defined_messages -> UserDefinedMessages."""
    return "".join(part.capitalize() for part in name.split("_"))
