"""The worker entry: wire the phone channel, reconcile the database with the queue, run RQ."""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import astuple

from rq import Queue

from callbacks import channel
from callbacks.jobs import tick as callbacks_tick
from core_ledger.loans.repricing import reprice_loans
from huifang.settings import load_settings
from ivr.twilio.channel import TwilioChannel
from ivr.voice.jobs import queue_pending_transcriptions
from ivr.voice.provider_copy import delete_held_recordings
from ivr.voice.retention import purge_expired
from ivr.voice.spoken import warm_up
from kernel.clock import utcnow
from kernel.db import session_scope
from kernel.periods import Period, month_of, parse_period
from kernel.queue import TracedWorker, get_queue
from kernel.redact import install as install_redaction
from scoring.alerts import check_bottom_alerts

log = logging.getLogger("huifang.worker")

# The 约谈 check ranks a whole month; once an hour is plenty (it raises each alert once).
ALERT_CHECK_SECONDS = 3600.0


def wire() -> None:
    """Install what jobs need in this process (the forked work-horses inherit it)."""
    install_redaction()  # no whole phone or ID number in any log line of the worker
    settings = load_settings()
    channel.configure(TwilioChannel(settings.ivr))
    warm_up()  # load the speech model once, before the first spoken answer forks a horse


def last_closed_month() -> Period:
    """The month before this one, in the centre's time zone."""
    return parse_period(month_of(utcnow())).previous()


def check_alerts() -> int:
    """Raise the 约谈 alerts for the last closed month (each once); return how many stand."""
    with session_scope() as session:
        return len(check_bottom_alerts(session, period=last_closed_month()))


def reprice_loans_this_year() -> int:
    """1 January's repricing of existing loans (idempotent, so hourly is safe); how many."""
    with session_scope() as session:
        return reprice_loans(session).loans


def purge_recordings() -> dict[str, int]:
    """Delete recordings' audio and transcripts past their retention (idempotent); counts."""
    with session_scope() as session:
        purged = purge_expired(session)
    if purged.recordings or purged.transcripts:
        log.info("retention: purged %s recordings, %s transcripts", *astuple(purged))
    return {"purged_recordings": purged.recordings, "purged_transcripts": purged.transcripts}


class Reconciler:
    """One pass over everything that lives in the database and may need a job or a flag."""

    def __init__(self, queue: Queue, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.queue = queue
        self.clock = clock
        self.alerts_checked_at: float | None = None

    def tick(self) -> dict[str, int]:
        stats = callbacks_tick(self.queue)
        stats["transcriptions"] = queue_pending_transcriptions(self.queue)
        stats["provider_copies_deleted"] = delete_held_recordings()
        now = self.clock()
        if self.alerts_checked_at is None or now - self.alerts_checked_at >= ALERT_CHECK_SECONDS:
            stats["alerts"] = check_alerts()
            stats.update(purge_recordings())  # hourly is plenty: retention counts in days
            stats["repriced_loans"] = reprice_loans_this_year()
            self.alerts_checked_at = now
        return stats


def run_burst() -> dict[str, int]:
    """Relay, queue what is due and work until nothing more is due; return totals."""
    wire()
    queue = get_queue()
    reconciler = Reconciler(queue)
    totals = {"relayed": 0, "queued": 0}
    while True:
        stats = reconciler.tick()
        totals["relayed"] += stats["relayed"]
        totals["queued"] += stats["queued"] + stats["transcriptions"]
        TracedWorker([queue], connection=queue.connection).work(burst=True, logging_level="WARNING")
        if stats["queued"] == 0 and stats["relayed"] == 0 and stats["transcriptions"] == 0:
            return totals


def run_forever(*, tick_seconds: float) -> None:
    """A long-running worker with a reconciler ticking beside it."""
    wire()
    queue = get_queue()
    reconciler = Reconciler(queue)
    stop = threading.Event()

    def reconcile() -> None:
        while not stop.wait(tick_seconds):
            try:
                reconciler.tick()
            except Exception:  # keep reconciling; the next tick retries from the database
                log.exception("reconciler tick failed")

    reconciler.tick()
    thread = threading.Thread(target=reconcile, name="reconciler", daemon=True)
    thread.start()
    worker = TracedWorker([queue], connection=queue.connection)
    log.info("worker started", extra={"worker": worker.name, "queue": queue.name})
    try:
        # SIGTERM (a deploy, systemd stop): RQ's warm shutdown lets the running job finish;
        # a second signal, or systemd's kill after TimeoutStopSec, ends it cold, and the
        # reconciler of another worker re-queues what the database still says is due.
        worker.work(logging_level="WARNING")
    finally:
        stop.set()
        log.info("worker stopped", extra={"worker": worker.name})
