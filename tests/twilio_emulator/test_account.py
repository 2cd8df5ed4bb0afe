"""The emulated account misbehaves as Twilio does, on demand; by default it is well-behaved."""

import time
from collections.abc import Iterator

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from tests.twilio_emulator.harness import CENTRE, Harness


@pytest.fixture
def account(harness: Harness) -> Iterator[Harness]:
    """The harness, its account reset to well-behaved after the test."""
    yield harness
    with harness.control() as client:
        client.put("/_emulator/account", json={}).raise_for_status()


def set_account(harness: Harness, **state: object) -> None:
    with harness.control() as client:
        client.put("/_emulator/account", json=state).raise_for_status()


def stats(harness: Harness) -> dict[str, object]:
    with harness.control() as client:
        found = client.get("/_emulator/account").json()
    assert isinstance(found, dict)
    return dict(found["stats"])


def call(twilio: Client, to: str, twiml: str, **extra: object) -> str:
    return str(twilio.calls.create(to=to, from_=CENTRE, twiml=twiml, **extra).sid)


def refusal(action: object) -> tuple[int, int]:
    with pytest.raises(TwilioRestException) as refused:
        action()  # type: ignore[operator]
    return refused.value.status, int(refused.value.code or 0)


def test_by_default_the_account_refuses_nothing(twilio: Client, account: Harness) -> None:
    sid = call(twilio, "+8613811119001", "<Response><Hangup/></Response>")
    assert sid.startswith("CA")


def test_account_errors_come_back_with_twilio_codes(twilio: Client, account: Harness) -> None:
    hangup = "<Response><Hangup/></Response>"
    set_account(account, owned_numbers=["+12025550100"])
    assert refusal(lambda: call(twilio, "+8613811119002", hangup)) == (400, 21210)
    assert refusal(
        lambda: twilio.messages.create(to="+8613811119002", from_=CENTRE, body="您好")
    ) == (400, 21606)
    set_account(account, voice_countries=["US"], sms_countries=["US"])
    assert refusal(lambda: call(twilio, "+8613811119002", hangup)) == (400, 21215)
    assert refusal(
        lambda: twilio.messages.create(to="+8613811119002", from_=CENTRE, body="您好")
    ) == (400, 21408)
    set_account(account, opted_out=["+8613811119002"])
    assert refusal(
        lambda: twilio.messages.create(to="+8613811119002", from_=CENTRE, body="您好")
    ) == (400, 21610)


def test_a_burst_of_rate_limiting_answers_429(twilio: Client, account: Harness) -> None:
    set_account(account, rate_limit_burst=2)
    hangup = "<Response><Hangup/></Response>"
    assert refusal(lambda: call(twilio, "+8613811119003", hangup)) == (429, 20429)
    assert refusal(lambda: call(twilio, "+8613811119003", hangup)) == (429, 20429)
    assert call(twilio, "+8613811119003", hangup).startswith("CA")
    assert stats(account)["rate_limited"] == 2


def test_calls_faster_than_the_account_rate_wait_in_its_queue(
    twilio: Client, account: Harness
) -> None:
    set_account(account, calls_per_second=5)
    sids = [call(twilio, f"+861381111910{n}", "<Response><Hangup/></Response>") for n in range(4)]
    assert stats(account)["calls_queued_over_rate"] >= 2  # type: ignore[operator]
    assert twilio.calls(sids[-1]).fetch().status == "queued"
    account.wait_idle()


def test_a_key_pressed_during_a_bare_say_is_lost_but_counts_inside_gather(
    twilio: Client, account: Harness
) -> None:
    account.script("+8613811119201", {"inputs": ["!1"]})
    prompt = "<Say>满意请按1</Say>"
    bare = call(twilio, "+8613811119201", f'<Response>{prompt}<Pause length="1"/></Response>')
    account.wait_idle()
    assert [s for s in account.steps(bare) if s["kind"] == "key_dropped"]
    account.script("+8613811119202", {"inputs": ["!1"]})
    action = f"{account.webhook_url}/voice/done"
    gathered = call(
        twilio,
        "+8613811119202",
        f'<Response><Gather numDigits="1" action="{action}">{prompt}</Gather></Response>',
    )
    account.wait_idle()
    assert account.webhook.to("/voice/done", call_sid=gathered)[0]["Digits"] == "1"


def test_a_late_recording_is_404_until_it_appears_and_a_deleted_one_is_gone(
    twilio: Client, account: Harness
) -> None:
    account.script("+8613811119301", {"inputs": [{"speech": "manyi.wav"}]})
    set_account(account, recording_late_fetches=2)
    action = f"{account.webhook_url}/voice/done"
    sid = call(twilio, "+8613811119301", f'<Response><Record action="{action}"/></Response>')
    account.wait_idle()
    url = account.webhook.to("/voice/done", call_sid=sid)[0]["RecordingUrl"] + ".wav"
    auth = (twilio.username, twilio.password)
    codes = [httpx.get(url, auth=auth).status_code for _ in range(3)]
    assert codes == [404, 404, 200]
    recording_sid = url.rsplit("/", 1)[1].removesuffix(".wav")
    assert twilio.recordings(recording_sid).delete() is True
    assert httpx.get(url, auth=auth).status_code == 404
    assert recording_sid in stats(account)["recordings_deleted"]  # type: ignore[operator]


def test_stop_puts_a_person_on_twilios_own_opt_out_list(twilio: Client, account: Harness) -> None:
    account.script("+8613811119401", {"sms_replies": ["STOP"]})
    twilio.messages.create(to="+8613811119401", from_=CENTRE, body="【住房公积金】请回复")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not account.webhook.to("/sms/inbound"):
        time.sleep(0.05)
    inbound = [p for p in account.webhook.to("/sms/inbound") if p["From"] == "+8613811119401"]
    assert inbound and inbound[0]["OptOutType"] == "STOP"
    assert refusal(
        lambda: twilio.messages.create(to="+8613811119401", from_=CENTRE, body="您好")
    ) == (400, 21610)
