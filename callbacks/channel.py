"""How callbacks reaches a phone: an interface here, the Twilio implementation wired in above."""

from typing import Protocol


class ChannelError(Exception):
    """The provider refused the request (e.g. an invalid number)."""

    def __init__(self, message: str, *, code: int | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class Channel(Protocol):
    """A telephony provider as callbacks sees it."""

    def place_call(self, *, attempt_id: int, to: str) -> str:
        """Start a survey call; return the provider's call id."""
        ...

    def send_survey_sms(self, *, attempt_id: int, to: str) -> str:
        """Send the SMS survey of an attempt's task; return the provider's MessageSid.

        The channel renders the text from the task's context (business kind, date, outlet)
        and asks for delivery reports that come back through `callbacks.sms.record_delivery`.
        """
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
