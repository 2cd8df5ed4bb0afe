"""The case page's recordings: played through our own signed-in route, every listen audited."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from callbacks.models import CallbackException
from callbacks.triage import open_exception
from huifang.settings import clear_caches
from ivr.voice.models import RecordingPurpose
from ivr.voice.service import store_recording
from kernel.audit import AuditEvent
from tests.callbacks.factories import business, start
from tests.conftest import Bind, make_user, serve_in_thread
from tests.ivr.voice.support import RecordingServer
from twilio_emulator import EmulatorConfig, create_emulator_app


@pytest.fixture
def recording_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingServer]:
    """The emulator serving recordings, and our Twilio API base URL pointed at it."""
    app = create_emulator_app(EmulatorConfig())
    server = serve_in_thread(app)
    monkeypatch.setenv("HUIFANG_TWILIO_API_BASE_URL", server.url)
    clear_caches()
    yield RecordingServer(url=server.url, app=app)
    server.stop()
    clear_caches()


def _sign_in(client: TestClient, engine: Bind, role: str) -> None:
    password = make_user(engine, username=role, role=role)
    client.post("/login", data={"username": role, "password": password}, follow_redirects=False)


def _case_with_recording(engine: Bind, params: dict[str, str], phone: str) -> tuple[int, int]:
    """An 不满意 case whose call kept the reason as a recording; (case id, recording id)."""
    with Session(engine) as session:
        (task,) = business(session, at=datetime(2026, 11, 3, 2, 30, tzinfo=UTC), phone=phone)
        attempt = start(session, task)
        recording, _ = store_recording(
            session,
            attempt_id=attempt.id or 0,
            call_sid=attempt.provider_sid or "",
            purpose=RecordingPurpose.reason,
            question=None,
            recording_sid=params["RecordingSid"],
            recording_url=params["RecordingUrl"],
            duration_s=2,
            transcript="排队太久",
            confidence=0.9,
        )
        case = open_exception(session, task=task, reason="unsatisfied", actor="system")
        session.commit()
        return case.id or 0, recording.id or 0


def test_an_operator_plays_a_recording_and_the_listen_is_audited(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    case_id, recording_id = _case_with_recording(
        engine, recording_server.add("bu_manyi.wav"), "+8613811110001"
    )
    other_case, other_recording = _case_with_recording(
        engine, recording_server.add("manyi.wav"), "+8613811110002"
    )
    url = f"/exceptions/{case_id}/recordings/{recording_id}"
    assert client.get(url, follow_redirects=False).status_code == 303  # sign in first
    _sign_in(client, engine, "operator")
    page = client.get(f"/exceptions/{case_id}")
    assert f'<audio controls preload="none" src="{url}">' in page.text
    assert "不满意原因" in page.text and "排队太久" in page.text
    assert recording_server.url not in page.text  # the provider's address never reaches the page
    audio = client.get(url)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert audio.content[:4] == b"RIFF" and "no-store" in audio.headers["cache-control"]
    # Another case's recording is not reachable through this case.
    wrong = client.get(f"/exceptions/{case_id}/recordings/{other_recording}")
    assert wrong.status_code == 404 and "没有第" in wrong.json()["detail"]
    assert client.get(f"/exceptions/{other_case}/recordings/{other_recording}").status_code == 200
    with Session(engine) as session:
        listens = session.exec(select(AuditEvent).where(AuditEvent.action == "play_recording"))
        seen = sorted((e.actor, e.subject, e.reason) for e in listens)
    assert seen == sorted(
        [
            ("operator", f"voice_recording:{recording_id}", f"异常工单 {case_id}"),
            ("operator", f"voice_recording:{other_recording}", f"异常工单 {other_case}"),
        ]
    )


def test_a_recording_the_provider_has_lost_is_a_clear_502_and_not_audited(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    params = recording_server.add("manyi.wav")
    params["RecordingUrl"] = params["RecordingUrl"].replace(params["RecordingSid"], "RE" + "0" * 32)
    case_id, recording_id = _case_with_recording(engine, params, "+8613811110003")
    _sign_in(client, engine, "operator")
    gone = client.get(f"/exceptions/{case_id}/recordings/{recording_id}")
    assert gone.status_code == 502 and gone.json()["detail"] == "暂时无法取得录音，请稍后再试"
    with Session(engine) as session:
        assert session.exec(select(AuditEvent)).all() == []


def test_tellers_cannot_listen(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    case_id, recording_id = _case_with_recording(
        engine, recording_server.add("manyi.wav"), "+8613811110004"
    )
    _sign_in(client, engine, "teller")
    assert client.get(f"/exceptions/{case_id}/recordings/{recording_id}").status_code == 403
    with Session(engine) as session:
        assert session.exec(select(CallbackException)).one().status == "open"


def test_the_queue_page_filters_pages_and_refuses_unknown_filters(
    client: TestClient, engine: Bind
) -> None:
    with Session(engine) as session:
        made = []
        for n in range(55):
            (task,) = business(
                session, at=datetime(2026, 11, 3, 2, 30, tzinfo=UTC), phone=f"+86138111{n:05d}"
            )
            reason = "favour_asked" if n == 54 else "unreachable"
            made.append(open_exception(session, task=task, reason=reason, actor="system").id)
        session.commit()
    _sign_in(client, engine, "operator")
    first = client.get("/exceptions")
    assert first.status_code == 200 and "第 2 页" in first.text and "共 55 条" in first.text
    rows = first.text.split('<table id="queue">')[1]
    assert rows.index(f'href="/exceptions/{made[54]}"') < rows.index(
        f'href="/exceptions/{made[0]}"'
    )
    assert 'class="favour' in rows  # favour-asking reports on top, marked
    second = client.get("/exceptions?page=2")
    assert second.text.count('href="/exceptions/') == 5  # the five left after fifty
    favours = client.get("/exceptions?reason=favour_asked")
    assert "符合筛选<strong>1</strong>" in favours.text
    late = client.get("/exceptions?sla=late")
    assert late.status_code == 422 and "未知的时限筛选" in late.text and "已超时" in late.text


def test_a_player_seeks_by_byte_ranges_and_a_listen_is_audited_once(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    case_id, recording_id = _case_with_recording(
        engine, recording_server.add("bu_manyi.wav"), "+8613811110005"
    )
    _sign_in(client, engine, "operator")
    url = f"/exceptions/{case_id}/recordings/{recording_id}"
    whole = client.get(url).content
    start = client.get(url, headers={"Range": "bytes=0-"})
    assert start.status_code == 206 and start.content == whole
    assert start.headers["content-range"] == f"bytes 0-{len(whole) - 1}/{len(whole)}"
    middle = client.get(url, headers={"Range": "bytes=100-199"})
    assert middle.status_code == 206 and middle.content == whole[100:200]
    tail = client.get(url, headers={"Range": "bytes=-10"})
    assert tail.content == whole[-10:]
    beyond = client.get(url, headers={"Range": f"bytes={len(whole)}-"})
    assert beyond.status_code == 416 and "超出录音长度" in beyond.json()["detail"]
    assert client.get(url, headers={"Range": "pages=1-2"}).content == whole  # not ours: all of it
    with Session(engine) as session:
        listens = session.exec(select(AuditEvent).where(AuditEvent.action == "play_recording"))
        assert len(listens.all()) == 3  # the whole file, from byte 0, and the unreadable range
