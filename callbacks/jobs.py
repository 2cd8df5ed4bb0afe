"""RQ jobs: module-level functions taking ids. Each is idempotent and safe to run twice."""

import logging

from rq import Queue
from rq.exceptions import DuplicateJobError

from callbacks.channel import ChannelError, get_channel
from callbacks.config import get_callback_settings
from callbacks.models import AttemptStatus, CallbackTask
from callbacks.reconcile import due_attempts, expire_sms_surveys, lost_attempts, time_out_calls
from callbacks.relay import relay_outbox
from callbacks.service import (
    attempt_placed,
    begin_attempt,
    get_attempt,
    get_task,
    schedule_retry,
)
from callbacks.triage import open_exception
from kernel.clock import utcnow
from kernel.db import session_scope
from kernel.queue import get_queue, make_room
from kernel.vocabulary import Channel

log = logging.getLogger(__name__)


def call_job_id(task_id: int, attempt_no: int) -> str:
    """The one job id an attempt may have, so an attempt is never queued twice."""
    return f"callback-{task_id}-{attempt_no}"


def enqueue_once(queue: Queue, *, task_id: int, attempt_no: int, lost: bool = False) -> bool:
    """Queue an attempt unless a live job for it exists; True if queued now.

    `lost`: the database says the job died (its attempt outlived the lease, longer than the
    job timeout), so a job still marked started belongs to a killed worker and is replaced.
    """
    job_id = call_job_id(task_id, attempt_no)
    lease = get_callback_settings().attempt_lease_seconds
    if not make_room(queue, job_id, started_longer_than=lease, replace_started=lost):
        return False
    timeout = lease // 2
    try:
        queue.enqueue(
            run_attempt,
            task_id,
            attempt_no,
            job_id=job_id,
            result_ttl=3600,
            failure_ttl=86400,
            job_timeout=max(timeout, 1),
            unique=True,
        )
    except DuplicateJobError:
        return False  # another reconciler queued it a moment ago
    return True


def tick(queue: Queue | None = None) -> dict[str, int]:
    """The reconciler: relay the outbox, settle what is overdue, queue what is due with no job."""
    queue = queue or get_queue()
    with session_scope() as session:
        relayed = relay_outbox(session)
    with session_scope() as session:
        timed_out = time_out_calls(session)
    with session_scope() as session:
        expired = expire_sms_surveys(session)
    with session_scope() as session:
        pending = due_attempts(session)
        lost = lost_attempts(session)
    queued = sum(enqueue_once(queue, task_id=t, attempt_no=n) for t, n in pending)
    recovered = sum(enqueue_once(queue, task_id=t, attempt_no=n, lost=True) for t, n in lost)
    return {
        "relayed": relayed,
        "due": len(pending),
        "queued": queued + recovered,
        "recovered": recovered,
        "timed_out": timed_out,
        "expired": expired,
    }


def run_attempt(task_id: int, attempt_no: int) -> str | None:
    """Make attempt N of a task (a call, or the SMS survey); a repeat of it does nothing."""
    with session_scope() as session:
        attempt = begin_attempt(session, task_id=task_id, attempt_no=attempt_no)
        if attempt is None:
            return None
        task = get_task(session, task_id=task_id)
        attempt_id, phone, channel = attempt.id or 0, task.phone, attempt.channel
    provider = get_channel()
    try:
        if channel == Channel.sms:
            sid = provider.send_survey_sms(attempt_id=attempt_id, to=phone)
        else:
            sid = provider.place_call(attempt_id=attempt_id, to=phone)
    except ChannelError as error:
        _refused(attempt_id=attempt_id, error=error)
        return None
    with session_scope() as session:
        attempt_placed(session, attempt_id=attempt_id, provider_sid=sid)
    return sid


def _refused(*, attempt_id: int, error: ChannelError) -> None:
    """A provider refusal: an invalid number goes to an operator, a call is retried later."""
    with session_scope() as session:
        attempt = get_attempt(session, attempt_id=attempt_id)
        attempt.status = AttemptStatus.failed
        attempt.error_code = str(error.code)[:16] if error.code is not None else None
        attempt.ended_at = utcnow()
        session.add(attempt)
        channel = attempt.channel
        task: CallbackTask = get_task(session, task_id=attempt.task_id, for_update=True)
        note = f"{error}"[:200]
        if error.permanent:
            open_exception(
                session, task=task, reason="invalid_number", actor="worker", note=note, hold=True
            )
        elif channel == Channel.sms:
            open_exception(
                session, task=task, reason="unreachable", actor="worker", note=note, hold=True
            )
        else:
            schedule_retry(session, task=task, reason=note)
