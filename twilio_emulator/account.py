"""The emulated account: what Twilio knows about us, and how it misbehaves on demand.

Default: well-behaved (every From is ours, every country allowed, no queue, recordings at
once, callbacks delivered once and in order), so the demo runs as before. Tests set it with
PUT /_emulator/account to prove the application survives Twilio as it really is.
"""

import time
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from twilio_emulator.errors import TwilioApiError, bad_request
from twilio_emulator.params import country_of

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})


class Chaos(BaseModel):
    """Status callbacks as Twilio may deliver them: lost, repeated, late, out of order."""

    lose_rate: float = Field(0.0, ge=0, le=1)
    repeat_rate: float = Field(0.0, ge=0, le=1)
    # Each status callback is sent after a random real delay up to this many seconds, so a
    # later event can overtake an earlier one (reordered).
    delay_seconds: float = Field(0.0, ge=0, le=30)
    # This share of voice webhooks "take longer than 15 s": Twilio gives up on the answer
    # (error 11200) and asks the FallbackUrl, though the application did the work.
    webhook_timeout_rate: float = Field(0.0, ge=0, le=1)


class AccountState(BaseModel):
    """What the account allows and how it misbehaves."""

    # The numbers we own (From for calls and SMS); None: any From is ours.
    owned_numbers: list[str] | None = None
    # People who texted STOP to us: Twilio refuses to message them (21610).
    opted_out: list[str] = Field(default_factory=list)
    # Geo permissions: ISO countries calls (21215) and texts (21408) may reach; None: all.
    voice_countries: list[str] | None = None
    sms_countries: list[str] | None = None
    # The account's calls per second: faster calls wait in Twilio's queue. None: no queue.
    calls_per_second: float | None = Field(None, gt=0)
    # The next N REST requests that create a call or message answer 429 / 20429.
    rate_limit_burst: int = Field(0, ge=0)
    # A recording's media answers 404 for its first N fetches (not yet available).
    recording_late_fetches: int = Field(0, ge=0)
    # Recordings are posted but their media never appears (too short, silent: deleted).
    recordings_absent: bool = False
    # Answering-machine detection's verdict: as the callee is, or always `unknown`.
    amd: Literal["normal", "unknown"] = "normal"
    chaos: Chaos = Field(default_factory=Chaos)


@dataclass
class AccountStats:
    """What happened to the account, for tests to check."""

    calls_queued_over_rate: int = 0
    longest_queue_seconds: float = 0.0
    rate_limited: int = 0
    recordings_deleted: list[str] = field(default_factory=list)
    status_sent: int = 0
    status_lost: int = 0
    status_repeated: int = 0
    webhooks_timed_out: int = 0
    next_call_slot: float = 0.0  # monotonic time the account's queue frees up

    def as_json(self) -> dict[str, object]:
        return {
            "calls_queued_over_rate": self.calls_queued_over_rate,
            "longest_queue_seconds": round(self.longest_queue_seconds, 3),
            "rate_limited": self.rate_limited,
            "recordings_deleted": list(self.recordings_deleted),
            "status_sent": self.status_sent,
            "status_lost": self.status_lost,
            "status_repeated": self.status_repeated,
            "webhooks_timed_out": self.webhooks_timed_out,
        }


def take_rate_limit(state: AccountState, stats: AccountStats) -> None:
    """Answer 20429 while a burst of rate limiting lasts."""
    if state.rate_limit_burst > 0:
        state.rate_limit_burst -= 1
        stats.rate_limited += 1
        raise TwilioApiError(status=429, code=20429, message="Too Many Requests")


def check_call(state: AccountState, *, to: str, sender: str) -> None:
    """Twilio's account checks on a new call: our From, and permission for the country."""
    if state.owned_numbers is not None and sender not in state.owned_numbers:
        raise bad_request(
            21210,
            f"The source phone number provided, {sender}, is not yet verified for your account.",
        )
    country = country_of(to)
    if state.voice_countries is not None and country not in state.voice_countries:
        raise bad_request(
            21215,
            f"Account not authorized to call {to}. Perhaps you need to enable some international "
            "permissions: https://www.twilio.com/console/voice/calls/geo-permissions",
        )


def check_message(state: AccountState, *, to: str, sender: str | None) -> None:
    """Twilio's account checks on a new message: our From, the country, the opt-out list."""
    if sender is not None and state.owned_numbers is not None and sender not in state.owned_numbers:
        raise bad_request(
            21606,
            f"The 'From' phone number provided ({sender}) is not a valid message-capable "
            "Twilio phone number for this destination/account.",
        )
    country = country_of(to)
    if state.sms_countries is not None and country not in state.sms_countries:
        raise bad_request(
            21408,
            f"Permission to send an SMS has not been enabled for the region of {to}.",
        )
    if to in state.opted_out:
        raise bad_request(21610, "Attempt to send to unsubscribed recipient")


def queue_delay(state: AccountState, stats: AccountStats) -> float:
    """Seconds a new call waits in the account's queue (its calls-per-second)."""
    if state.calls_per_second is None:
        return 0.0
    now = time.monotonic()
    slot = max(now, stats.next_call_slot)
    stats.next_call_slot = slot + 1 / state.calls_per_second
    delay = slot - now
    if delay > 0.01:
        stats.calls_queued_over_rate += 1
        stats.longest_queue_seconds = max(stats.longest_queue_seconds, delay)
    return delay


def opt_out_type(state: AccountState, *, person: str, body: str) -> str | None:
    """Twilio's own handling of STOP/START/HELP from a person: OptOutType, list kept."""
    word = body.strip().upper()
    if word in STOP_WORDS:
        if person not in state.opted_out:
            state.opted_out.append(person)
        return "STOP"
    if word in START_WORDS:
        if person in state.opted_out:
            state.opted_out.remove(person)
        return "START"
    if word in HELP_WORDS:
        return "HELP"
    return None
