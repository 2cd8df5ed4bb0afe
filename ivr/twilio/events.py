"""Twilio's call-progress words mapped into callbacks' neutral call events."""

from starlette.datastructures import FormData

from callbacks.events import Answerer, CallEvent, CallState

# Twilio's CallStatus values are spelled as our CallState values; anything else is unknown.
_STATES = {state.value: state for state in CallState}


def state_of(status: str) -> CallState:
    """A Twilio CallStatus as a CallState (an unknown word is a failed call)."""
    return _STATES.get(status, CallState.failed)


def answerer_of(answered_by: str | None) -> Answerer | None:
    """AnsweredBy (human, machine_start, machine_end_beep, fax, unknown…) as an Answerer."""
    if not answered_by:
        return None
    if answered_by == "human":
        return Answerer.human
    if answered_by.startswith(("machine", "fax")):
        return Answerer.machine
    return Answerer.unknown


def call_event(form: FormData) -> CallEvent:
    """A status callback's form as a CallEvent (SequenceNumber orders one call's events)."""
    sequence = str(form.get("SequenceNumber") or "")
    duration = str(form.get("CallDuration") or "")
    return CallEvent(
        state=state_of(str(form.get("CallStatus") or "")),
        order=int(sequence) if sequence.isdigit() else None,
        answerer=answerer_of(str(form.get("AnsweredBy") or "") or None),
        duration_s=int(duration) if duration.isdigit() else None,
    )
