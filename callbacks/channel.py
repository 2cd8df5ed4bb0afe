"""How callbacks reaches a phone: a provider-neutral interface, implemented above (ivr.twilio).

Nothing here speaks a provider's language. A provider maps its error codes into `Failure`
classes, its call progress into `callbacks.events.CallEvent`, and its SMS into a template id
with parameters (Chinese carriers send only registered templates), so a domestic carrier or a
SIP trunk can be added beside Twilio without touching callbacks.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from callbacks.events import CallReport


class Failure(StrEnum):
    """What a provider's refusal means for the person and for us."""

    opted_out = "opted_out"  # the person told the provider to stop: do not text, never retry
    account = "account"  # our account or settings are wrong: pause the channel, alert operators
    bad_number = "bad_number"  # the number itself cannot be reached
    rate_limited = "rate_limited"  # too many requests: back off without counting an attempt
    unknown = "unknown"  # no answer from the provider: the request may have been carried out
    temporary = "temporary"  # anything else: try again later


class ChannelError(Exception):
    """The provider refused (or did not answer) a request."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        failure: Failure = Failure.temporary,
        setting: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.failure = failure
        self.setting = setting  # an account failure: which setting or console page to fix

    @property
    def permanent(self) -> bool:
        """Whether no retry can help this number (it is wrong or unreachable)."""
        return self.failure == Failure.bad_number


@dataclass(frozen=True)
class SmsTemplate:
    """A text as registered with carriers: a template id and its parameters.

    Twilio receives the rendered body; a domestic carrier receives the id and parameters.
    A parameter named `link` carries the web survey's address where the template has one.
    """

    template_id: str
    params: dict[str, str]


class Channel(Protocol):
    """A telephony provider as callbacks sees it."""

    def place_call(self, *, attempt_id: int, to: str) -> str:
        """Start a survey call; return the provider's call id."""
        ...

    def send_survey_sms(self, *, attempt_id: int, to: str) -> str:
        """Send the SMS survey of an attempt's task; return the provider's message id.

        The channel renders the text from the task's context (business kind, date, outlet)
        and asks for delivery reports that come back through `callbacks.sms.record_delivery`.
        """
        ...

    def adopt_survey_sms(self, *, attempt_id: int, to: str, since: datetime) -> str | None:
        """The survey SMS sent to `to` at or after `since` by a job that died, if the provider
        has one: recorded as the attempt's (replies match it) and its id returned."""
        ...

    def find_call(self, *, to: str, since: datetime) -> str | None:
        """The id of a call to `to` created at or after `since`, if the provider has one."""
        ...

    def fetch_call(self, *, call_id: str) -> CallReport:
        """What the provider knows of a call now (status, duration, who answered)."""
        ...

    def cancel_call(self, *, call_id: str) -> None:
        """End a call that is still queued, ringing or in progress."""
        ...


_channel: Channel | None = None


def configure(channel: Channel) -> None:
    """Install the process's channel (done by huifang at start-up)."""
    global _channel
    _channel = channel


def get_channel() -> Channel:
    """The installed channel; a clear error if the process was not wired."""
    if _channel is None:
        raise RuntimeError("no callback channel configured: start through `huifang worker`")
    return _channel
