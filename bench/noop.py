"""The baseline job of the pipeline bench: an RQ job that does nothing (imported by RQ workers)."""


def noop() -> None:
    """Nothing: what RQ itself costs per job (dequeue, fork, run, bookkeeping)."""
