"""Jobs stranded by a killed worker are recognised; live ones are left alone."""

from datetime import UTC, datetime, timedelta

from redis import Redis
from rq.job import Job, JobStatus

from kernel.queue import abandoned, get_queue


def noop() -> None:
    """A job function."""


def test_a_job_waiting_in_the_queue_is_not_abandoned(redis: Redis) -> None:
    queue = get_queue(redis)
    job = queue.enqueue(noop, job_id="waiting")
    assert not abandoned(queue, job, started_longer_than=60)


def test_a_job_dequeued_by_a_worker_that_died_is_abandoned_after_a_minute(redis: Redis) -> None:
    queue = get_queue(redis)
    job = queue.enqueue(noop, job_id="in-transit")
    # What RQ's worker does when it takes a job: move it to the intermediate list, then die.
    redis.lmove(queue.key, queue.intermediate_queue_key, "RIGHT", "LEFT")
    assert not abandoned(queue, job, started_longer_than=60)  # first seen now: a live worker?
    an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).timestamp()
    redis.set(queue.intermediate_queue.get_first_seen_key(job.id), an_hour_ago)
    assert abandoned(queue, job, started_longer_than=60)
    assert redis.lrange(queue.intermediate_queue_key, 0, -1) == []


def test_a_started_job_is_abandoned_only_once_it_outlives_the_lease(redis: Redis) -> None:
    queue = get_queue(redis)
    job = queue.enqueue(noop, job_id="started")
    job.set_status(JobStatus.STARTED)
    job.started_at = datetime.now(UTC) - timedelta(seconds=30)
    job.save()
    job = Job.fetch("started", connection=redis)
    assert not abandoned(queue, job, started_longer_than=60)
    job.started_at = datetime.now(UTC) - timedelta(seconds=90)
    job.save()
    job = Job.fetch("started", connection=redis)
    assert abandoned(queue, job, started_longer_than=60)
