"""Job functions the ops tests queue (importable by a worker's work-horse)."""

import time

from kernel.logs import current_request_id


def echo_request_id() -> str | None:
    """The request id the job runs under."""
    return current_request_id()


def slow_echo(seconds: float) -> str:
    """Sleep, then say so: a job still running when its worker is told to stop."""
    time.sleep(seconds)
    return f"slept {seconds}"
