"""The emulator's Messages as Twilio documents them: callbacks, Messaging Services, errors."""

from datetime import UTC, datetime, timedelta

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from tests.twilio_emulator.harness import CENTRE, Harness

SERVICE = "MG" + "0" * 32


def test_messaging_service_message_is_accepted_then_reports_queued_onwards(
    twilio: Client, harness: Harness
) -> None:
    message = twilio.messages.create(
        to="+8613933331001",
        messaging_service_sid=SERVICE,
        body="您好",
        status_callback=f"{harness.webhook_url}/sms/status",
    )
    assert message.status == "accepted" and message.from_ is None
    harness.wait_idle()
    callbacks = [p for p in harness.webhook.to("/sms/status") if p["MessageSid"] == message.sid]
    # The initial status (accepted) is never called back; queued is, once a sender is picked.
    assert [p["MessageStatus"] for p in callbacks] == ["queued", "sent", "delivered"]
    assert all(p["MessagingServiceSid"] == SERVICE for p in callbacks)
    assert harness.webhook.all_valid()


def test_each_message_that_reaches_a_person_takes_their_next_scripted_reply(
    twilio: Client, harness: Harness
) -> None:
    harness.script("+8613933331002", {"sms_replies": ["11", "22"]})
    twilio.messages.create(to="+8613933331002", from_=CENTRE, body="请回复")
    harness.wait_idle()
    inbound = [
        p["Body"] for p in harness.webhook.to("/sms/inbound") if p["From"] == "+8613933331002"
    ]
    # The webhook's TwiML answer reached the person, who answered it with the second reply.
    assert inbound == ["11", "22"]
    with harness.control() as control:
        inbox = control.get("/_emulator/people/+8613933331002/inbox").json()
    assert [m["direction"] for m in inbox] == ["outbound-api", "outbound-reply", "outbound-reply"]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"to": "+8613933331003", "from_": "12329", "body": "x"}, 21212),
        ({"to": CENTRE, "from_": CENTRE, "body": "x"}, 21266),
        (
            {"to": "+8613933331003", "from_": CENTRE, "body": "x", "status_callback": "nope"},
            21609,
        ),
        ({"to": "+86139", "from_": CENTRE, "body": "x"}, 21211),
        ({"to": "+8613933331003", "from_": CENTRE, "body": "长" * 1601}, 21617),
    ],
)
def test_refused_messages_carry_twilios_error_codes(
    fields: dict[str, str], code: int, twilio: Client
) -> None:
    with pytest.raises(TwilioRestException) as refused:
        twilio.messages.create(**fields)
    assert refused.value.status == 400 and refused.value.code == code


def test_messages_are_listed_by_recipient_and_by_when_they_were_sent(
    twilio: Client, harness: Harness
) -> None:
    sent = twilio.messages.create(to="+8613933331009", from_=CENTRE, body="您好")
    twilio.messages.create(to="+8613933331010", from_=CENTRE, body="别人的")
    harness.wait_idle()
    before, after = datetime.now(UTC) - timedelta(minutes=5), datetime.now(UTC) + timedelta(hours=1)
    listed = twilio.messages.list(to="+8613933331009", date_sent_after=before)
    assert [m.sid for m in listed] == [sent.sid]
    assert twilio.messages.list(to="+8613933331009", date_sent_after=after) == []
    refused = twilio.request(
        "GET",
        f"{twilio.api.base_url}/2010-04-01/Accounts/{twilio.account_sid}/Messages.json",
        params={"DateSent>": "yesterday"},
    )
    assert refused.status_code == 400 and "DateSent" in refused.text
