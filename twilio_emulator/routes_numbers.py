"""Twilio's IncomingPhoneNumbers and OutgoingCallerIds: the numbers the account may use as From."""

from fastapi import APIRouter, Request

from twilio_emulator.resources import account_path, page_json, phone_number_sid
from twilio_emulator.routes_calls import emulator_of
from twilio_emulator.store import API_VERSION, now, rfc2822

router = APIRouter()


def _owned(request: Request) -> list[str]:
    """The account's numbers, filtered by PhoneNumber; with no list set, any number is ours."""
    emulator = emulator_of(request)
    wanted = request.query_params.get("PhoneNumber")
    owned = emulator.account.owned_numbers
    if owned is None:
        return [wanted] if wanted else []
    return [number for number in owned if wanted in (None, number)]


def _number_json(request: Request, number: str) -> dict[str, object]:
    sid = emulator_of(request).config.twilio_account_sid
    created = rfc2822(now())
    return {
        "account_sid": sid,
        "api_version": API_VERSION,
        "capabilities": {"voice": True, "sms": True, "mms": False, "fax": False},
        "date_created": created,
        "date_updated": created,
        "friendly_name": number,
        "phone_number": number,
        "sid": phone_number_sid(number),
        "status": "in-use",
        "uri": f"{account_path(sid)}/IncomingPhoneNumbers/{phone_number_sid(number)}.json",
    }


@router.get("/IncomingPhoneNumbers.json")
async def incoming_numbers(request: Request) -> dict[str, object]:
    """The numbers bought in this account."""
    query = request.query_params
    return page_json(
        key="incoming_phone_numbers",
        items=[_number_json(request, n) for n in _owned(request)],
        uri=f"{account_path(emulator_of(request).config.twilio_account_sid)}/IncomingPhoneNumbers.json",
        page=int(query.get("Page", 0)),
        page_size=int(query.get("PageSize", 50)),
    )


@router.get("/OutgoingCallerIds.json")
async def caller_ids(request: Request) -> dict[str, object]:
    """Verified caller IDs: none in the emulated account (its numbers are all bought)."""
    query = request.query_params
    return page_json(
        key="outgoing_caller_ids",
        items=[],
        uri=f"{account_path(emulator_of(request).config.twilio_account_sid)}/OutgoingCallerIds.json",
        page=int(query.get("Page", 0)),
        page_size=int(query.get("PageSize", 50)),
    )
