"""Idempotency keys: a retried request gets what it made the first time, a different one 409."""

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from sqlalchemy import text
from sqlmodel import Session, select

from kernel.errors import Conflict


class IdempotencyConflict(Conflict):
    """The same idempotency key was used for a different request."""


class Keyed(Protocol):
    idempotency_key: str | None
    request_hash: str | None


K = TypeVar("K", bound=Keyed)


def request_hash(payload: Mapping[str, Any]) -> str:
    """A stable fingerprint of a request body, to tell a retry from a different request."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def hold_key(session: Session, *, key: str) -> None:
    """Serialise requests carrying the same idempotency key until this transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})


def replayed(session: Session, model: type[K], *, key: str, payload: Mapping[str, Any]) -> K | None:
    """What an idempotency key already made, if the request is the same; 409 if it is not."""
    hold_key(session, key=key)
    found = session.exec(select(model).where(model.idempotency_key == key)).first()
    if found is None:
        return None
    if found.request_hash != request_hash(payload):
        raise IdempotencyConflict(f"幂等键 {key!r} 已用于另一笔不同的业务，请使用新的幂等键")
    return found
