"""Channel pauses over the API: operators see which setting to fix; an admin resumes."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from callbacks.pause import pause_channel
from tests.conftest import Bind, make_user


def _login(client: TestClient, engine: Bind, role: str) -> dict[str, str]:
    password = make_user(engine, username=role, role=role)
    token = client.post("/api/auth/token", data={"username": role, "password": password})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def test_a_pause_is_listed_with_its_setting_and_resumed_by_an_admin(
    client: TestClient, engine: Bind
) -> None:
    with Session(engine) as session:
        pause_channel(
            session,
            channel="voice",
            code=21215,
            setting="Twilio 控制台 Voice Geo Permissions",
            message="Account not authorized to call +8613800000000",
        )
        session.commit()
    operator = _login(client, engine, "operator")
    [alert] = client.get("/api/callbacks/channel-pauses", headers=operator).json()
    assert alert["channel_label"] == "语音外呼" and alert["code"] == "21215"
    assert "Geo Permissions" in alert["setting"]
    refused = client.post("/api/callbacks/channel-pauses/voice/resume", headers=operator)
    assert refused.status_code == 403
    admin = _login(client, engine, "admin")
    resumed = client.post("/api/callbacks/channel-pauses/voice/resume", headers=admin)
    assert resumed.status_code == 200 and resumed.json()["resumed_by"] == "admin"
    assert client.get("/api/callbacks/channel-pauses", headers=operator).json() == []
    again = client.post("/api/callbacks/channel-pauses/voice/resume", headers=admin)
    assert again.status_code == 404 and "没有暂停" in again.json()["detail"]
    unknown = client.post("/api/callbacks/channel-pauses/fax/resume", headers=admin)
    assert unknown.status_code == 404 and "voice" in unknown.json()["detail"]


def test_the_operators_queue_page_shows_the_pause_and_what_to_fix(
    client: TestClient, engine: Bind
) -> None:
    with Session(engine) as session:
        pause_channel(
            session,
            channel="sms",
            code=21606,
            setting="HUIFANG_TWILIO_FROM_NUMBER 或 HUIFANG_TWILIO_MESSAGING_SERVICE_SID",
            message="The 'From' phone number provided is not a valid message-capable number",
        )
        session.commit()
    password = make_user(engine, username="op", role="operator")
    client.post("/login", data={"username": "op", "password": password}, follow_redirects=False)
    page = client.get("/exceptions").text
    assert "短信渠道已暂停" in page and "错误码 21606" in page
    assert "HUIFANG_TWILIO_MESSAGING_SERVICE_SID" in page
    assert "not a valid message-capable" not in page  # Twilio's English stays in the log
