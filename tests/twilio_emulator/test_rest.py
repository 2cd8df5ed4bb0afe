"""The emulator's REST answers match Twilio's OpenAPI description, errors included."""

import json
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from tests.twilio_emulator.harness import ACCOUNT_SID, AUTH_TOKEN, CENTRE, Harness

# Twilio's own OpenAPI description of its v2010 REST API (tests/data/twilio/README.md).
SPEC = json.loads((Path(__file__).parents[1] / "data/twilio/twilio_api_v2010.json").read_text())
SCHEMAS = SPEC["components"]["schemas"]


def assert_matches_schema(payload: dict[str, object], schema_name: str) -> None:
    """Every property present, nothing extra, types, patterns, enums and dates as specified."""
    properties = SCHEMAS[schema_name]["properties"]
    assert set(payload) == set(properties)
    for name, spec in properties.items():
        value = payload[name]
        if "$ref" in spec:
            assert value in SCHEMAS[spec["$ref"].split("/")[-1]]["enum"], name
            continue
        if value is None:
            assert spec.get("nullable"), name
            continue
        kind = {"string": str, "integer": int, "object": dict}.get(spec.get("type", ""), object)
        assert isinstance(value, kind), name
        if "pattern" in spec:
            assert __import__("re").match(spec["pattern"], value), name
        if spec.get("format") == "date-time-rfc-2822":
            assert parsedate_to_datetime(str(value)).utcoffset() is not None, name


def test_created_call_has_every_property_of_twilios_call_schema(
    twilio: Client, harness: Harness
) -> None:
    call = twilio.calls.create(
        to="+8613800000001", from_=CENTRE, url=f"{harness.webhook_url}/voice"
    )
    with httpx.Client(auth=(ACCOUNT_SID, AUTH_TOKEN)) as http:
        base = f"{harness.emulator_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls"
        created = http.get(f"{base}/{call.sid}.json")
    assert call.status == "queued" and call.direction == "outbound-api"
    assert created.status_code == 200
    assert_matches_schema(created.json(), "api.v2010.account.call")
    harness.wait_idle()
    fetched = twilio.calls(call.sid).fetch()
    assert fetched.status in {"completed", "busy", "no-answer", "failed"}


def test_created_message_has_every_property_of_twilios_message_schema(
    twilio: Client, harness: Harness
) -> None:
    message = twilio.messages.create(to="+8613800000002", from_=CENTRE, body="您好")
    with httpx.Client(auth=(ACCOUNT_SID, AUTH_TOKEN)) as http:
        url = (
            f"{harness.emulator_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message.sid}.json"
        )
        payload = http.get(url).json()
    assert_matches_schema(payload, "api.v2010.account.message")
    assert message.sid.startswith("SM") and message.num_segments == "1"


def test_wrong_token_is_401_with_twilio_code_20003(harness: Harness) -> None:
    bad = Client(ACCOUNT_SID, "0" * 32)
    bad.api.base_url = harness.emulator_url
    with pytest.raises(TwilioRestException) as caught:
        bad.calls("CA" + "1" * 32).fetch()
    assert caught.value.status == 401 and caught.value.code == 20003


def test_unknown_account_in_path_is_404_with_code_20404(harness: Harness) -> None:
    other = "AC" + "f" * 32
    with httpx.Client(auth=(ACCOUNT_SID, AUTH_TOKEN)) as http:
        answer = http.get(f"{harness.emulator_url}/2010-04-01/Accounts/{other}/Calls.json")
    assert answer.status_code == 404
    body = answer.json()
    assert body["code"] == 20404 and body["more_info"].endswith("/20404")
    assert set(body) == {"code", "message", "more_info", "status"}


def test_invalid_to_number_is_21211(twilio: Client, harness: Harness) -> None:
    with pytest.raises(TwilioRestException) as caught:
        twilio.calls.create(to="+86123", from_=CENTRE, url=f"{harness.webhook_url}/voice")
    assert caught.value.status == 400 and caught.value.code == 21211
    assert "Invalid 'To' Phone Number" in caught.value.msg


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"From": CENTRE, "Url": "http://x.test/v"}, 21201),
        ({"To": "+8613800000003", "Url": "http://x.test/v"}, 21213),
        ({"To": "+8613800000003", "From": CENTRE}, 21205),
        ({"To": "+8613800000003", "From": CENTRE, "Url": "not a url"}, 21205),
    ],
)
def test_call_create_validation_errors(harness: Harness, fields: dict[str, str], code: int) -> None:
    with httpx.Client(auth=(ACCOUNT_SID, AUTH_TOKEN)) as http:
        url = f"{harness.emulator_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
        answer = http.post(url, data=fields)
    assert answer.status_code == 400 and answer.json()["code"] == code


def test_message_without_body_is_21602(twilio: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        twilio.messages.create(to="+8613800000004", from_=CENTRE)
    assert caught.value.code == 21602


def test_unknown_call_sid_is_20404(twilio: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        twilio.calls("CA" + "0" * 32).fetch()
    assert caught.value.status == 404 and caught.value.code == 20404


def test_sdk_lists_calls_across_pages(twilio: Client, harness: Harness) -> None:
    for n in range(3):
        twilio.calls.create(
            to=f"+861390000000{n}", from_=CENTRE, url=f"{harness.webhook_url}/voice"
        )
    harness.wait_idle()
    listed = twilio.calls.list(from_=CENTRE, page_size=2)
    assert len({call.sid for call in listed}) == len(listed) >= 3
