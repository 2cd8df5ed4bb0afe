"""The provider-neutral call event: what callbacks learns about a call, whoever carried it.

A provider adapter maps its own vocabulary into this (Twilio's CallStatus, AnsweredBy and
SequenceNumber live in ivr.twilio); callbacks never reads a provider's field names.
"""

from dataclasses import dataclass
from enum import StrEnum


class CallState(StrEnum):
    """Where a call stands; the last five are final."""

    queued = "queued"
    initiated = "initiated"
    ringing = "ringing"
    in_progress = "in-progress"
    completed = "completed"
    busy = "busy"
    no_answer = "no-answer"
    failed = "failed"
    canceled = "canceled"


FINAL_STATES = frozenset(
    {CallState.completed, CallState.busy, CallState.no_answer, CallState.failed, CallState.canceled}
)


class Answerer(StrEnum):
    """Who picked up, as answering-machine detection tells it."""

    human = "human"
    machine = "machine"
    unknown = "unknown"  # detection could not tell: treated as a person


@dataclass(frozen=True)
class CallEvent:
    """One progress report of a call; `order` ranks reports of one call (None: arrival order)."""

    state: CallState
    order: int | None = None
    answerer: Answerer | None = None
    duration_s: int | None = None


@dataclass(frozen=True)
class CallReport:
    """A call as the provider describes it when asked (the reconciler's question)."""

    call_id: str
    state: CallState
    answerer: Answerer | None = None
    duration_s: int | None = None

    @property
    def final(self) -> bool:
        """Whether the call has ended."""
        return self.state in FINAL_STATES
