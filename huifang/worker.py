"""The worker entry: wire the phone channel, reconcile the database with the queue, run RQ."""

import logging
import threading

from rq import Worker

from callbacks import channel
from callbacks.jobs import tick
from huifang.settings import load_settings
from ivr.twilio_channel import TwilioChannel
from kernel.queue import get_queue

log = logging.getLogger("huifang.worker")


def wire() -> None:
    """Install what jobs need in this process (the forked work-horses inherit it)."""
    settings = load_settings()
    channel.configure(TwilioChannel(settings.ivr))


def run_burst() -> dict[str, int]:
    """Relay, queue what is due and work until nothing more is due; return totals."""
    wire()
    queue = get_queue()
    totals = {"relayed": 0, "queued": 0}
    while True:
        stats = tick(queue)
        totals["relayed"] += stats["relayed"]
        totals["queued"] += stats["queued"]
        Worker([queue], connection=queue.connection).work(burst=True, logging_level="WARNING")
        if stats["queued"] == 0 and stats["relayed"] == 0:
            return totals


def run_forever(*, tick_seconds: float) -> None:
    """A long-running worker with a reconciler ticking beside it."""
    wire()
    queue = get_queue()
    stop = threading.Event()

    def reconcile() -> None:
        while not stop.wait(tick_seconds):
            try:
                tick(queue)
            except Exception:  # keep reconciling; the next tick retries from the database
                log.exception("reconciler tick failed")

    tick(queue)
    thread = threading.Thread(target=reconcile, name="reconciler", daemon=True)
    thread.start()
    try:
        Worker([queue], connection=queue.connection).work(logging_level="WARNING")
    finally:
        stop.set()
