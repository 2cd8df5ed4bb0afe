"""The emulator tests' harness: servers on free ports and a tiny survey webhook."""

import socket
import threading
import time
from dataclasses import dataclass, field

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from twilio_emulator import EmulatorConfig, create_emulator_app

ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "feedfacefeedfacefeedfacefeedface"
CENTRE = "+8657412329"

ATTITUDE = "请您评价工作人员的服务态度。非常满意请按1，满意请按2，不满意请按3。"
REPEAT_TRIP = "这次办事，您有没有来回跑、多跑路？是请按1，否请按2。"
SURVEY = {
    "/voice": (
        f'<Gather input="dtmf" numDigits="1" action="voice/q2"><Say>{ATTITUDE}</Say></Gather>'
        "<Say>抱歉，没有听清。</Say><Redirect>/voice/silent</Redirect>"
    ),
    "/voice/q2": (
        f'<Gather input="dtmf speech" numDigits="1" action="/voice/opinion"><Say>{REPEAT_TRIP}'
        "</Say></Gather><Hangup/>"
    ),
    "/voice/opinion": (
        '<Say>请在提示音后留言。</Say><Record maxLength="30" action="done" '
        'recordingStatusCallback="/recording-status"/><Say>感谢您的评价，再见。</Say>'
    ),
    "/voice/done": "<Say>感谢您的评价，再见。</Say><Hangup/>",
    "/voice/silent": "<Say>再见。</Say><Hangup/>",
    "/voice/broken": "<Response><Sya>typo</Sya>",
}


@dataclass
class Webhook:
    """A stand-in for our app: serves the survey and records every signed request."""

    requests: list[tuple[str, dict[str, str], bool]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle(self, request: Request) -> Response:
        """Validate the Twilio signature with the real validator, record, answer."""
        form = {key: str(value) for key, value in (await request.form()).items()}
        signature = request.headers.get("X-Twilio-Signature", "")
        valid = RequestValidator(AUTH_TOKEN).validate(str(request.url), form, signature)
        with self.lock:
            self.requests.append((request.url.path, form, valid))
        if not valid:
            return Response("bad signature", status_code=403)
        if request.url.path == "/voice/error":
            return Response("boom", status_code=500)
        if request.url.path == "/sms/inbound":
            return _xml("<Message>已收到您的评价，谢谢。</Message>")
        return _xml(SURVEY.get(request.url.path, ""))

    def app(self) -> Starlette:
        """The ASGI app."""
        paths = [
            *SURVEY,
            "/voice/error",
            "/status",
            "/recording-status",
            "/sms/inbound",
            "/sms/status",
        ]
        return Starlette(routes=[Route(p, self.handle, methods=["GET", "POST"]) for p in paths])

    def to(self, path: str, *, call_sid: str | None = None) -> list[dict[str, str]]:
        """Params of requests that reached a path (for one call if given)."""
        with self.lock:
            hits = [params for hit_path, params, _ in self.requests if hit_path == path]
        return [params for params in hits if call_sid in (None, params.get("CallSid"))]

    def all_valid(self) -> bool:
        """Every request so far carried a valid signature."""
        with self.lock:
            return all(valid for _, _, valid in self.requests)


def _xml(body: str) -> Response:
    """A TwiML answer."""
    return Response(
        f"<?xml version='1.0' encoding='UTF-8'?><Response>{body}</Response>", media_type="text/xml"
    )


def serve(app: object) -> str:
    """Run an ASGI app under uvicorn on a free port in a daemon thread; return its URL."""
    # Let uvicorn bind the port itself: a socket handed over via sockets= answered with
    # a 40 ms delay per request here, which made the load test crawl.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    return f"http://127.0.0.1:{port}"


@dataclass
class Harness:
    """An emulator and a webhook, both live."""

    emulator_url: str
    webhook_url: str
    webhook: Webhook

    def control(self) -> httpx.Client:
        """A client for /_emulator."""
        return httpx.Client(base_url=self.emulator_url, timeout=60)

    def script(self, phone: str, script: dict[str, object]) -> None:
        """Script a person."""
        with self.control() as client:
            client.put(f"/_emulator/people/{phone}", json=script).raise_for_status()

    def wait_idle(self) -> None:
        """Block until every call and message has finished."""
        with self.control() as client:
            assert client.get("/_emulator/idle", params={"timeout": 50}).json()["idle"]

    def steps(self, sid: str) -> list[dict[str, str]]:
        """A call's transcript steps."""
        with self.control() as client:
            answer = client.get(f"/_emulator/calls/{sid}/transcript").json()
        return [{key: str(value) for key, value in step.items()} for step in answer["steps"]]


def start_harness() -> Harness:
    """Start a webhook, then an emulator pointed at it (speed 0, fixed seed)."""
    webhook = Webhook()
    webhook_url = serve(webhook.app())
    config = EmulatorConfig(
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        emulator_speed=0,
        emulator_seed=7,
        emulator_sms_url=f"{webhook_url}/sms/inbound",
    )
    emulator_url = serve(create_emulator_app(config))
    config.emulator_public_url = emulator_url
    return Harness(emulator_url, webhook_url, webhook)
