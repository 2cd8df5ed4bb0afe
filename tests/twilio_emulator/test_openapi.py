"""Every REST route and form field of the emulator is one Twilio's own OpenAPI file describes,
and its resources carry Twilio's properties: the emulator can be unforgiving, never inventive."""

import json
import re
from pathlib import Path

import pytest

from tests.twilio_emulator.harness import ACCOUNT_SID
from twilio_emulator import create_emulator_app
from twilio_emulator.account import AccountState
from twilio_emulator.resources import recording_json
from twilio_emulator.store import Recording

SPEC = json.loads((Path(__file__).parents[1] / "data/twilio/twilio_api_v2010.json").read_text())
PATHS = SPEC["paths"]
SCHEMAS = SPEC["components"]["schemas"]


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


SPEC_ROUTES = {(_shape(p), m.upper()) for p, ops in PATHS.items() for m in ops if m != "servers"}


def _emulator_routes() -> list[tuple[str, str]]:
    """Every REST route of the emulator, as its own OpenAPI document lists them."""
    paths = create_emulator_app().openapi()["paths"]
    return [
        (path, method.upper())
        for path, operations in paths.items()
        if path.startswith("/2010-04-01/")
        for method in operations
    ]


@pytest.mark.parametrize(("path", "method"), _emulator_routes())
def test_every_rest_route_is_in_twilios_openapi(path: str, method: str) -> None:
    shaped = _shape(path)
    if not shaped.endswith(".json"):
        shaped = shaped + ".json"  # the bare and .wav media URLs of a recording
        shaped = shaped.replace("{}.wav.json", "{}.json")
    assert (shaped, method) in SPEC_ROUTES, f"{method} {path} is not a Twilio route"


def _form_fields(path: str) -> set[str]:
    body = PATHS[path]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
    return set(body["schema"]["properties"])


CALL_FIELDS = {
    "To",
    "From",
    "Url",
    "Method",
    "Twiml",
    "StatusCallback",
    "StatusCallbackMethod",
    "StatusCallbackEvent",
    "MachineDetection",
    "AsyncAmd",
    "AsyncAmdStatusCallback",
    "AsyncAmdStatusCallbackMethod",
    "Timeout",
    "FallbackUrl",
    "FallbackMethod",
    "ApplicationSid",
}


def test_the_call_fields_the_emulator_reads_are_twilios() -> None:
    assert _form_fields("/2010-04-01/Accounts/{AccountSid}/Calls.json") >= CALL_FIELDS
    update = _form_fields("/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json")
    assert {"Status", "Url", "Method"} <= update


def test_the_message_fields_the_emulator_reads_are_twilios() -> None:
    fields = _form_fields("/2010-04-01/Accounts/{AccountSid}/Messages.json")
    assert {"To", "From", "Body", "MessagingServiceSid", "StatusCallback"} <= fields


def test_the_call_list_filters_the_emulator_reads_are_twilios() -> None:
    names = {
        p["name"]
        for p in PATHS["/2010-04-01/Accounts/{AccountSid}/Calls.json"]["get"]["parameters"]
    }
    assert {"To", "From", "Status", "StartTime>", "Page", "PageSize"} <= names


def test_a_recording_has_every_property_of_twilios_recording_schema() -> None:
    recording = Recording(
        sid="RE" + "0" * 32,
        account_sid=ACCOUNT_SID,
        call_sid="CA" + "0" * 32,
        duration=2,
        wav=b"",
        clip=None,
    )
    payload = recording_json(recording, public_url="http://127.0.0.1:8020")
    missing = set(SCHEMAS["api.v2010.account.recording"]["properties"]) - set(payload)
    assert not missing, f"recording lacks {missing}"


def test_the_misbehaviour_codes_are_twilios_documented_errors() -> None:
    # Each code the account answers with is one of Twilio's, linked from its error pages.
    documented = {20003, 20404, 20429, 21210, 21211, 21215, 21408, 21606, 21610}
    assert AccountState().model_dump()["chaos"]["lose_rate"] == 0  # well-behaved by default
    source = (Path(__file__).parents[2] / "twilio_emulator/account.py").read_text()
    used = {int(code) for code in re.findall(r"\b(2\d{4})\b", source)}
    assert used <= documented
