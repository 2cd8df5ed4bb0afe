"""How we reach Twilio: the official SDK's client, and recordings fetched with its credentials.

Recordings are fetched from RecordingUrl + ".wav" with the account credentials, and only from
the Twilio API host we are configured for: the credentials never go anywhere else.
"""

import re
import threading
import time
from urllib.parse import urlsplit

import httpx
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ivr.config import IvrSettings


class RecordingUnavailable(Exception):
    """The recording could not be fetched; permanent when asking again cannot help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def make_client(settings: IvrSettings) -> Client:
    """A Twilio client pointed at TWILIO_API_BASE_URL (Twilio itself, or the emulator)."""
    http = TwilioHttpClient(timeout=settings.twilio_timeout_seconds)
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)
    client.api.base_url = settings.twilio_api_base_url.rstrip("/")
    return client


_client_lock = threading.Lock()
_clients: dict[float, httpx.Client] = {}


def _http(timeout: float) -> httpx.Client:
    """One pooled client per process: keep-alive saves a handshake on every answer."""
    with _client_lock:
        if timeout not in _clients:
            _clients[timeout] = httpx.Client(timeout=timeout)
        return _clients[timeout]


# Twilio's API hosts: api.twilio.com and its regional edges (api.dublin.ie1.twilio.com, …).
_TWILIO_API_HOST = re.compile(r"^api(\.[a-z0-9-]+){0,2}\.twilio\.com$")


def trusted_recording_url(settings: IvrSettings, url: str) -> bool:
    """Whether our credentials may go to a RecordingUrl: our API base, or (talking to Twilio)
    a Twilio API host of any region, over https, under our own account's path."""
    if url.startswith(settings.twilio_api_base_url.rstrip("/") + "/"):
        return True
    if not settings.talks_to_twilio():
        return False
    parts = urlsplit(url)
    account = f"/2010-04-01/Accounts/{settings.twilio_account_sid}/"
    return (
        parts.scheme == "https"
        and bool(_TWILIO_API_HOST.match(parts.hostname or ""))
        and parts.port is None
        and parts.path.startswith(account)
    )


def delete_recording(settings: IvrSettings, *, recording_sid: str) -> None:
    """Delete a recording at Twilio (`recordings(sid).delete()`)."""
    make_client(settings).recordings(recording_sid).delete()


def fetch_recording(settings: IvrSettings, *, url: str) -> bytes:
    """The WAV at RecordingUrl, waiting briefly while Twilio still answers 404.

    A 404 that outlasts the wait is not permanent: a recording can appear late, and the
    transcription job asks again later (see ivr.voice.jobs for when it gives up).
    """
    if not trusted_recording_url(settings, url):
        raise RecordingUnavailable(
            f"录音地址不是本账户的 Twilio 地址，拒绝携带账户凭据访问：{url}", permanent=True
        )
    auth = (settings.twilio_account_sid, settings.twilio_auth_token)
    deadline = time.monotonic() + settings.recording_fetch_wait_seconds
    client = _http(settings.recording_fetch_timeout_seconds)
    while True:
        try:
            response = client.get(url + ".wav", auth=auth)
        except httpx.HTTPError as error:
            raise RecordingUnavailable(f"取录音失败：{error!r}", permanent=False) from error
        if response.status_code == 200:
            return response.content
        if response.status_code != 404 or time.monotonic() >= deadline:
            status = response.status_code
            raise RecordingUnavailable(
                f"取录音失败：HTTP {status}", permanent=status < 500 and status != 404
            )
        time.sleep(0.1)
