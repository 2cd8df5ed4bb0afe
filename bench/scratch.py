"""Scratch services for a benchmark: a PostgreSQL database and a Redis database index of its own.

The benchmarks run on the test services (PostgreSQL and Redis on 127.0.0.1), beside the test
runs of other engineers: each makes its own database and drops it, and leases a Redis index the
way tests/conftest.py does (the same lease keys), so a bench never flushes a test's queues.
"""

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from redis import Redis
from sqlalchemy import create_engine, text

from kernel.db import driver_url

DATABASE_URL = os.environ.get(
    "HUIFANG_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("HUIFANG_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


@contextmanager
def database(admin_url: str = DATABASE_URL) -> Iterator[str]:
    """A new, empty database on the server of `admin_url`; dropped afterwards."""
    name = f"huifang_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(driver_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def redis_index(url: str = REDIS_URL) -> Iterator[str]:
    """A Redis database index (1..15) leased for this run, flushed before and after."""
    server = Redis.from_url(url)
    token = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    leases = [f"huifang:test-db-lease:{index}" for index in range(1, 16)]
    index = next(
        (n for n, key in enumerate(leases, 1) if server.set(key, token, nx=True, ex=7200)), None
    )
    if index is None:
        raise SystemExit(f"all 15 Redis databases at {url} are leased by test runs; try later")
    leased = url.rsplit("/", 1)[0] + f"/{index}"
    own = Redis.from_url(leased)
    try:
        own.flushdb()
        yield leased
    finally:
        own.flushdb()
        own.close()
        if server.get(leases[index - 1]) == token.encode():
            server.delete(leases[index - 1])
        server.close()
