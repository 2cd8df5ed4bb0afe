"""RQ jobs: module-level functions taking ids. Each is idempotent and safe to run twice."""

import logging

from rq import Queue
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from callbacks.channel import ChannelError, get_channel
from callbacks.models import CallbackTask, TaskStatus
from callbacks.relay import relay_outbox
from callbacks.service import (
    attempt_placed,
    begin_attempt,
    due_tasks,
    get_task,
    schedule_retry,
    transition,
)
from kernel.db import session_scope
from kernel.queue import get_queue

log = logging.getLogger(__name__)
LIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


def call_job_id(task_id: int, attempt_no: int) -> str:
    """The one job id an attempt may have, so an attempt is never queued twice."""
    return f"callback-{task_id}-{attempt_no}"


def enqueue_once(queue: Queue, *, task_id: int, attempt_no: int) -> bool:
    """Queue an attempt unless a live job for it exists; True if queued now."""
    job_id = call_job_id(task_id, attempt_no)
    try:
        job = Job.fetch(job_id, connection=queue.connection)
        if job.get_status(refresh=True) in LIVE:
            return False
        job.delete()  # finished, failed or lost with its worker: the database says it is due
    except NoSuchJobError:
        pass
    try:
        queue.enqueue(place_call, task_id, attempt_no, job_id=job_id, result_ttl=3600, unique=True)
    except DuplicateJobError:
        return False  # another reconciler queued it a moment ago
    return True


def tick(queue: Queue | None = None) -> dict[str, int]:
    """Relay the outbox, then queue every due attempt that has no live job (the reconciler)."""
    queue = queue or get_queue()
    with session_scope() as session:
        relayed = relay_outbox(session)
    with session_scope() as session:
        due = [(task_id, get_task(session, task_id=task_id)) for task_id in due_tasks(session)]
        pending = [(task_id, task.attempts_made + 1) for task_id, task in due]
    queued = sum(enqueue_once(queue, task_id=t, attempt_no=n) for t, n in pending)
    return {"relayed": relayed, "due": len(pending), "queued": queued}


def place_call(task_id: int, attempt_no: int) -> str | None:
    """Place attempt N of a task's callback; a repeat of the same attempt does nothing."""
    with session_scope() as session:
        attempt = begin_attempt(session, task_id=task_id, attempt_no=attempt_no)
        if attempt is None:
            return None
        task = get_task(session, task_id=task_id)
        attempt_id, phone = attempt.id or 0, task.phone
    try:
        sid = get_channel().place_call(attempt_id=attempt_id, to=phone)
    except ChannelError as error:
        _call_refused(task_id=task_id, error=error)
        return None
    with session_scope() as session:
        attempt_placed(session, attempt_id=attempt_id, provider_sid=sid)
    return sid


def _call_refused(*, task_id: int, error: ChannelError) -> None:
    """A provider refusal: an invalid number goes to an operator, anything else is retried."""
    with session_scope() as session:
        task: CallbackTask = get_task(session, task_id=task_id, for_update=True)
        if error.permanent:
            note = f"invalid_number: {error}"
            transition(session, task, to=TaskStatus.exception, actor="worker", note=note)
        else:
            schedule_retry(session, task=task, reason=str(error))
