"""Calls whose status callbacks never came: ask the provider, and cancel what outlived its lease.

Twilio does not retry a status callback that failed. A call that should have ended long ago is
fetched from the provider and settled with its real status, duration and answerer (a survey
answered halfway becomes a partial, not another call). One still queued or ringing after
HUIFANG_CALL_TIMEOUT_MINUTES is cancelled before the task is tried again, so it cannot ring
at the same time as its retry.
"""

import logging
from datetime import timedelta

from sqlmodel import col, select

from callbacks.channel import Channel, ChannelError
from callbacks.config import get_callback_settings
from callbacks.events import CallEvent, CallReport, CallState
from callbacks.models import AttemptStatus, CallAttempt
from callbacks.service import TERMINAL_CALL, after_call, get_attempt, record_call_event
from kernel.clock import as_utc, utcnow
from kernel.db import session_scope
from kernel.vocabulary import Channel as Medium

log = logging.getLogger(__name__)
# After every progress event a call can have: a settled report outranks them all.
_FINAL_ORDER = 1_000_000


def overdue_calls(*, older_than: timedelta) -> list[tuple[int, str]]:
    """(attempt id, call id) of placed calls not finished `older_than` after they began."""
    with session_scope() as session:
        query = (
            select(CallAttempt.id, CallAttempt.provider_sid)
            .where(CallAttempt.channel == Medium.voice)
            .where(col(CallAttempt.provider_sid).is_not(None))
            .where(col(CallAttempt.status).not_in(TERMINAL_CALL | {AttemptStatus.not_placed}))
            .where(col(CallAttempt.started_at) < utcnow() - older_than)
            .order_by(col(CallAttempt.id))
            .limit(500)
        )
        return [(i or 0, sid or "") for i, sid in session.exec(query)]


def settle_overdue_calls(channel: Channel) -> int:
    """Settle every overdue call from the provider's own record; return how many settled
    (or cancelled)."""
    settings = get_callback_settings()
    check = timedelta(seconds=settings.call_check_seconds)
    give_up = timedelta(minutes=settings.call_timeout_minutes)
    settled = 0
    for attempt_id, call_id in overdue_calls(older_than=check):
        report = _ask(channel, call_id)
        with session_scope() as session:
            started = get_attempt(session, attempt_id=attempt_id).started_at
        outlived = utcnow() - as_utc(started) > give_up
        if (report is None or not report.final) and not outlived:
            continue  # still running, and within its lease: leave it to its own callbacks
        cancelled = report is not None and not report.final
        if report is not None and cancelled:
            report = _cancel(channel, report)  # its own callback may settle it meanwhile
        settled += max(_settle(attempt_id, report), int(cancelled))
    return settled


def _ask(channel: Channel, call_id: str) -> CallReport | None:
    try:
        return channel.fetch_call(call_id=call_id)
    except ChannelError as error:
        log.warning("could not fetch call %s: %s", call_id, error)
        return None


def _cancel(channel: Channel, report: CallReport) -> CallReport | None:
    """End a call that outlived its lease; what the provider says of it afterwards."""
    try:
        channel.cancel_call(call_id=report.call_id)
    except ChannelError as error:
        log.warning("could not cancel call %s: %s", report.call_id, error)
    after = _ask(channel, report.call_id)
    if after is not None and after.final:
        return after
    return CallReport(call_id=report.call_id, state=CallState.canceled)


def _settle(attempt_id: int, report: CallReport | None) -> int:
    """Apply the provider's record (or give up on a call it does not know); 1 if settled."""
    with session_scope() as session:
        attempt = get_attempt(session, attempt_id=attempt_id)
        if attempt.status in TERMINAL_CALL:
            return 0  # its callback arrived meanwhile
        if report is None:
            attempt.status = AttemptStatus.failed
            attempt.error_code = attempt.error_code or "timeout"
            attempt.ended_at = utcnow()
            session.add(attempt)
            after_call(session, attempt=attempt, actor="reconciler")
            return 1
        event = CallEvent(
            state=report.state,
            order=_FINAL_ORDER,
            answerer=report.answerer,
            duration_s=report.duration_s,
        )
        return int(record_call_event(session, attempt_id=attempt_id, event=event))
