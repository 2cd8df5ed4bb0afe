"""In-memory records of calls, messages and recordings, and Twilio's sid and date formats."""

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

API_VERSION = "2010-04-01"


def new_sid(prefix: str) -> str:
    """A Twilio-style sid: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


def rfc2822(moment: datetime | None) -> str | None:
    """Format like Twilio: 'Tue, 31 Aug 2010 20:36:28 +0000'."""
    if moment is None:
        return None
    return format_datetime(moment.astimezone(UTC)).replace("-0000", "+0000")


def now() -> datetime:
    """The current UTC time, to the second as Twilio stores it."""
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class Call:
    """A call resource and what the emulator needs to run it."""

    sid: str
    account_sid: str
    to: str
    from_: str
    url: str | None
    method: str
    twiml: str | None
    status_callback: str | None
    status_callback_method: str
    status_callback_events: list[str]
    machine_detection: str | None
    timeout: int
    fallback_url: str | None
    fallback_method: str
    async_amd: bool = False
    async_amd_callback: str | None = None
    async_amd_callback_method: str = "POST"
    queue_seconds: float = 0.0
    amd_sent: bool = False
    status: str = "queued"
    answered_by: str | None = None
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: int | None = None
    elapsed: float = 0.0
    sequence: int = 0
    transcript: list[dict[str, object]] = field(default_factory=list)

    def log(self, kind: str, **details: object) -> None:
        """Append one step to the call's transcript."""
        self.transcript.append({"t": round(self.elapsed, 2), "kind": kind, **details})


@dataclass
class Message:
    """A message resource, outbound or inbound."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    body: str
    direction: str
    status: str
    status_callback: str | None = None
    status_callback_method: str = "POST"
    messaging_service_sid: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)
    date_sent: datetime | None = None
    events: list[dict[str, object]] = field(default_factory=list)


@dataclass
class Recording:
    """A recording made by <Record>, with its WAV bytes."""

    sid: str
    account_sid: str
    call_sid: str
    duration: int
    wav: bytes
    clip: str | None
    date_created: datetime = field(default_factory=now)
    fetches: int = 0


@dataclass
class Store:
    """All resources the emulator has made, by sid, in creation order."""

    calls: dict[str, Call] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    recordings: dict[str, Recording] = field(default_factory=dict)
