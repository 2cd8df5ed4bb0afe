"""RQ jobs: module-level functions taking ids. Each is idempotent and safe to run twice."""

import logging
import random
import time
from datetime import datetime, timedelta

from rq import Queue
from rq.exceptions import DuplicateJobError
from sqlmodel import Session, select

from callbacks.channel import ChannelError, Failure, get_channel
from callbacks.config import get_callback_settings
from callbacks.models import AttemptStatus, CallAttempt, CallbackTask
from callbacks.optout import add_do_not_call
from callbacks.overdue import settle_overdue_calls
from callbacks.pacing import starts_in_time, take_call_token, window_end
from callbacks.pause import CHANNEL_LABELS, pause_channel, paused_until
from callbacks.reconcile import due_attempts, expire_sms_surveys, lost_attempts
from callbacks.relay import relay_outbox
from callbacks.service import (
    attempt_placed,
    begin_attempt,
    get_attempt,
    get_task,
    hold_task,
    next_channel,
    not_placed,
    schedule_retry,
)
from callbacks.sms import opt_out_phone
from callbacks.triage import open_exception
from kernel.clock import as_utc, utcnow
from kernel.db import session_scope
from kernel.queue import get_queue, make_room
from kernel.vocabulary import Channel

log = logging.getLogger(__name__)

# How long a job waits for the call bucket before leaving the task due for the next tick.
PACE_BUDGET_SECONDS = 20.0
# A call created at the provider may carry a start time a little before our attempt's clock.
_CLOCK_SKEW = timedelta(seconds=30)


def call_job_id(task_id: int, attempt_no: int) -> str:
    """The one job id an attempt may have, so an attempt is never queued twice."""
    return f"callback-{task_id}-{attempt_no}"


def enqueue_once(queue: Queue, *, task_id: int, attempt_no: int) -> bool:
    """Queue an attempt unless a live job for it exists; True if queued now.

    A lost attempt (begun longer than the lease ago, never handed to the provider) is queued
    again only once its job is gone or abandoned: the attempt keeps its old start time while a
    replacement job runs, so the database alone cannot tell a dead job from its replacement.
    """
    job_id = call_job_id(task_id, attempt_no)
    lease = get_callback_settings().attempt_lease_seconds
    if not make_room(queue, job_id, started_longer_than=lease):
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
    timed_out = settle_overdue_calls(get_channel())
    with session_scope() as session:
        expired = expire_sms_surveys(session)
    with session_scope() as session:
        pending = due_attempts(session)
        lost = lost_attempts(session)
    queued = sum(enqueue_once(queue, task_id=t, attempt_no=n) for t, n in pending)
    recovered = sum(enqueue_once(queue, task_id=t, attempt_no=n) for t, n in lost)
    return {
        "relayed": relayed,
        "due": len(pending),
        "queued": queued + recovered,
        "recovered": recovered,
        "timed_out": timed_out,
        "expired": expired,
    }


def _existing(task_id: int, attempt_no: int) -> CallAttempt | None:
    """Attempt N if an earlier job already began it (that job was lost)."""
    with session_scope() as session:
        query = select(CallAttempt).where(
            CallAttempt.task_id == task_id, CallAttempt.attempt_no == attempt_no
        )
        return session.exec(query).first()


def run_attempt(task_id: int, attempt_no: int) -> str | None:
    """Make attempt N of a task (a call, or the SMS survey); a repeat of it does nothing."""
    earlier = _existing(task_id, attempt_no)
    with session_scope() as session:
        task = get_task(session, task_id=task_id)
        phone = task.phone
        channel = earlier.channel if earlier else next_channel(session, task_id=task_id)
        until = paused_until(session, channel=channel)
    if until is not None:
        _held_by_pause(task_id=task_id, earlier=earlier, channel=channel, until=until)
        return None
    provider = get_channel()
    if earlier is not None:
        handled, sid = _adopt(task_id=task_id, attempt_no=attempt_no, earlier=earlier, to=phone)
        if handled:
            return sid
    with session_scope() as session:
        attempt = begin_attempt(session, task_id=task_id, attempt_no=attempt_no)
        if attempt is None:
            return None
        attempt_id, channel = attempt.id or 0, attempt.channel
    # The token is taken last, right before the request, so calls reach the provider spaced.
    if channel == Channel.voice and not _paced(attempt_id=attempt_id):
        return None
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


def _adopt(
    *, task_id: int, attempt_no: int, earlier: CallAttempt, to: str
) -> tuple[bool, str | None]:
    """A lost job's call or survey text may have been created: ask the provider and adopt it
    (no second call, no second text).

    Returns (True, its id or None) when the job is done here, (False, None) to place or send.
    """
    if earlier.provider_sid is not None or earlier.status != AttemptStatus.placing:
        return True, None  # placed already, or settled: begin_attempt would refuse it anyway
    since = as_utc(earlier.started_at) - _CLOCK_SKEW
    try:
        if earlier.channel == Channel.sms:
            sid = get_channel().adopt_survey_sms(attempt_id=earlier.id or 0, to=to, since=since)
        else:
            sid = get_channel().find_call(to=to, since=since)
    except ChannelError as error:
        log.warning("could not ask the provider about attempt %s: %s", earlier.id, error)
        return True, None  # the attempt stays placing; the next lease asks again
    if sid is None:
        return False, None
    with session_scope() as session:
        attempt = begin_attempt(session, task_id=task_id, attempt_no=attempt_no)
        if attempt is None:
            return True, None
        attempt_placed(session, attempt_id=attempt.id or 0, provider_sid=sid)
    log.info("attempt %s adopted %s %s created by a lost job", earlier.id, earlier.channel, sid)
    return True, sid


def _paced(*, attempt_id: int) -> bool:
    """Wait for the account's call bucket; False when the call must not be placed now.

    A call that could not start before its calling window closes waits for the next window;
    a long wait puts the attempt off briefly. Neither counts as an attempt.
    """
    settings = get_callback_settings()
    deadline = time.monotonic() + PACE_BUDGET_SECONDS
    while True:
        wait = take_call_token(rate=settings.calls_per_second)
        now = utcnow()
        if not starts_in_time(now, wait=wait, settings=settings):
            end = window_end(now, settings=settings) or now
            note = "呼叫窗口内排不上外呼（按每秒呼叫数限速），顺延到下一个呼叫时段"
            _put_off(attempt_id=attempt_id, at=end, code="window", note=note)
            return False
        if wait == 0:
            return True
        if time.monotonic() + wait > deadline:
            note = "外呼排队（按每秒呼叫数限速），稍后拨出"
            at = now + timedelta(seconds=wait)
            _put_off(attempt_id=attempt_id, at=at, code="paced", note=note)
            return False
        time.sleep(wait)


def _put_off(*, attempt_id: int, at: datetime, code: str, note: str) -> None:
    with session_scope() as session:
        attempt = get_attempt(session, attempt_id=attempt_id)
        not_placed(session, attempt=attempt, at=at, code=code, note=note)


def _hold(*, task_id: int, earlier: CallAttempt | None, at: datetime, code: str, note: str) -> None:
    """Put off an attempt that has not reached the phone, without counting it."""
    with session_scope() as session:
        if earlier is not None and earlier.id is not None:
            attempt = get_attempt(session, attempt_id=earlier.id)
            if attempt.status == AttemptStatus.placing and attempt.provider_sid is None:
                not_placed(session, attempt=attempt, at=at, code=code, note=note)
        else:
            hold_task(session, task_id=task_id, at=at, note=note)


def _held_by_pause(
    *, task_id: int, earlier: CallAttempt | None, channel: str, until: datetime
) -> None:
    label = CHANNEL_LABELS.get(channel, channel)
    note = f"{label}渠道已暂停（服务商账户或配置错误），恢复后再联系"
    _hold(task_id=task_id, earlier=earlier, at=until, code="paused", note=note)


def _refused(*, attempt_id: int, error: ChannelError) -> None:
    """A provider refusal, sorted by what it means for the person and for us."""
    if error.failure == Failure.unknown:
        # The provider may have created the call: the attempt stays unplaced, and after its
        # lease the lost-attempt path asks the provider first (adopting it) before placing.
        log.warning("no answer from the provider for attempt %s: %s", attempt_id, error)
        return
    code = str(error.code)[:16] if error.code is not None else None
    with session_scope() as session:
        attempt = get_attempt(session, attempt_id=attempt_id)
        if error.failure == Failure.account:
            setting = error.setting or "服务商账户配置"
            pause = pause_channel(
                session,
                channel=attempt.channel,
                code=error.code,
                setting=setting,
                message=str(error),
            )
            note = f"服务商拒绝（{code}）：{error}；请检查 {setting}"
            not_placed(session, attempt=attempt, at=pause.resume_at, code=code, note=note)
            return
        if error.failure == Failure.rate_limited:
            backoff = get_callback_settings().rate_limit_backoff_seconds
            at = utcnow() + timedelta(seconds=backoff * random.uniform(1.0, 1.5))
            note = f"服务商限流（{code}），稍后重试，不计入呼叫次数"
            not_placed(session, attempt=attempt, at=at, code=code, note=note)
            return
        attempt.status = AttemptStatus.failed
        attempt.error_code = code
        attempt.ended_at = utcnow()
        session.add(attempt)
        task: CallbackTask = get_task(session, task_id=attempt.task_id, for_update=True)
        _settle_refusal(session, task=task, channel=attempt.channel, error=error)


def _settle_refusal(
    session: Session, *, task: CallbackTask, channel: str, error: ChannelError
) -> None:
    """What a refused attempt does to its task: do-not-text, an operator's case, or a retry."""
    note = f"{error}"[:200]
    if error.failure == Failure.opted_out:
        # The person told the provider STOP: never text again, never an "invalid number".
        add_do_not_call(
            session, phone=task.phone, reason="opted_out", actor="provider", note="服务商退订名单"
        )
        opt_out_phone(session, phone=task.phone, actor="provider")
    elif error.failure == Failure.bad_number:
        open_exception(
            session, task=task, reason="invalid_number", actor="worker", note=note, hold=True
        )
    elif channel == Channel.sms:
        open_exception(
            session, task=task, reason="unreachable", actor="worker", note=note, hold=True
        )
    else:
        schedule_retry(session, task=task, reason=note)
