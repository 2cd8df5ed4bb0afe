"""SMS through the emulator: delivery callbacks, the person's signed reply, our TwiML answer."""

from twilio.rest import Client

from tests.twilio_emulator.harness import ACCOUNT_SID, CENTRE, Harness


def test_sms_is_delivered_then_the_scripted_reply_reaches_our_webhook_signed(
    twilio: Client, harness: Harness
) -> None:
    harness.script("+8613933330001", {"sms_replies": ["1122 服务很好"]})
    message = twilio.messages.create(
        to="+8613933330001",
        from_=CENTRE,
        body="请回复四位数字评价本次服务。",
        status_callback=f"{harness.webhook_url}/sms/status",
    )
    harness.wait_idle()
    callbacks = [p for p in harness.webhook.to("/sms/status") if p["MessageSid"] == message.sid]
    # No callback for the initial status (queued), as at Twilio.
    assert [p["MessageStatus"] for p in callbacks] == ["sent", "delivered"]
    assert all(p["SmsSid"] == p["MessageSid"] and p["AccountSid"] == ACCOUNT_SID for p in callbacks)
    inbound = [p for p in harness.webhook.to("/sms/inbound") if p["From"] == "+8613933330001"]
    assert len(inbound) == 1
    assert inbound[0]["Body"] == "1122 服务很好" and inbound[0]["To"] == CENTRE
    assert inbound[0]["SmsMessageSid"] == inbound[0]["MessageSid"]
    assert inbound[0]["NumMedia"] == "0" and inbound[0]["FromCountry"] == "CN"
    assert harness.webhook.all_valid()
    assert twilio.messages(message.sid).fetch().status == "delivered"
    with harness.control() as control:
        inbox = control.get("/_emulator/people/+8613933330001/inbox").json()
    assert [m["body"] for m in inbox] == ["请回复四位数字评价本次服务。", "已收到您的评价，谢谢。"]


def test_undeliverable_number_reports_undelivered_with_an_error_code(
    twilio: Client, harness: Harness
) -> None:
    harness.script("+8613933330002", {"sms_delivery": "undelivered", "sms_replies": ["1"]})
    message = twilio.messages.create(
        to="+8613933330002",
        from_=CENTRE,
        body="您好",
        status_callback=f"{harness.webhook_url}/sms/status",
    )
    harness.wait_idle()
    callbacks = [p for p in harness.webhook.to("/sms/status") if p["MessageSid"] == message.sid]
    assert [p["MessageStatus"] for p in callbacks] == ["sent", "undelivered"]
    assert callbacks[-1]["ErrorCode"] == "30003"
    assert not [p for p in harness.webhook.to("/sms/inbound") if p["From"] == "+8613933330002"]
    fetched = twilio.messages(message.sid).fetch()
    assert fetched.status == "undelivered" and fetched.error_code == 30003


def test_an_unscripted_person_answers_a_survey_text_when_the_mix_says_so(
    twilio: Client, harness: Harness
) -> None:
    body = (
        "请您评价：①服务态度（1非常满意 2满意 3不满意）；②办事效率（1非常满意 2满意 3不满意）。"
        "请直接回复2位数字，如11。"
    )
    with harness.control() as control:
        control.put("/_emulator/mix", json={"sms_reply_rate": 1, "wrong_key_rate": 0})
    try:
        twilio.messages.create(to="+8613933330009", from_=CENTRE, body=body)
        twilio.messages.create(to="+8613933330009", from_=CENTRE, body="感谢您的评价！")
        harness.wait_idle()
    finally:
        with harness.control() as control:
            control.put("/_emulator/mix", json={})
    inbound = [p for p in harness.webhook.to("/sms/inbound") if p["From"] == "+8613933330009"]
    assert len(inbound) == 1  # the question is answered; the thank-you is not
    assert len(inbound[0]["Body"]) == 2 and set(inbound[0]["Body"]) <= {"1", "2", "3"}
    assert harness.webhook.all_valid()
