"""A lost attempt is queued again once, never beside the job that already replaced it."""

from datetime import UTC, datetime, timedelta

import pytest
from redis import Redis
from rq.job import Job, JobStatus
from sqlmodel import Session

from callbacks import channel
from callbacks.config import get_callback_settings
from callbacks.jobs import call_job_id, tick
from callbacks.service import begin_attempt
from ivr.config import get_ivr_settings
from ivr.twilio.channel import TwilioChannel
from kernel.clock import utcnow
from kernel.queue import get_queue
from tests.callbacks.factories import business
from tests.conftest import Bind


def _started(redis: Redis, job_id: str, *, seconds_ago: float) -> None:
    """What a worker records when it takes the job and starts it."""
    job = Job.fetch(job_id, connection=redis)
    job.set_status(JobStatus.STARTED)
    job.started_at = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    job.save()


def test_a_lost_attempt_is_not_queued_again_while_its_replacement_runs(
    engine: Bind, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(channel, "_channel", TwilioChannel(get_ivr_settings()))
    lease = get_callback_settings().attempt_lease_seconds
    with Session(engine) as session:
        [task] = business(session, at=utcnow() - timedelta(hours=3))
        task_id = task.id or 0
        attempt = begin_attempt(session, task_id=task_id, attempt_no=1)
        assert attempt is not None
        # Its job died before the provider took the call: the attempt outlived the lease.
        attempt.started_at = utcnow() - timedelta(seconds=lease + 60)
        session.add(attempt)
        session.commit()
    queue, job_id = get_queue(redis), call_job_id(task_id, 1)

    assert tick(queue)["recovered"] == 1
    # A worker starts the replacement. The attempt still carries its old start time, so the
    # database calls it lost on every tick; a second job now would place a second call.
    _started(redis, job_id, seconds_ago=1)
    assert tick(queue)["recovered"] == 0
    assert tick(queue)["recovered"] == 0
    assert Job.fetch(job_id, connection=redis).get_status() == JobStatus.STARTED
    # The replacement's worker dies too: once its job outlives the lease, it is replaced.
    _started(redis, job_id, seconds_ago=lease + 1)
    assert tick(queue)["recovered"] == 1
    assert Job.fetch(job_id, connection=redis).get_status() == JobStatus.QUEUED
