"""Database engines and sessions. One owner per transaction: whoever opens the session commits."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

from kernel.config import get_kernel_settings


def driver_url(url: str) -> str:
    """Pin the PostgreSQL driver to psycopg 3 whatever form the URL came in."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for PostgreSQL (production, tests) or SQLite (the demo)."""
    url = driver_url(url)
    # Errors name the statement, never its parameters: they hold phones, ID numbers, SMS text.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "before_cursor_execute", _sqlite_lock_for_update)
        return engine
    if "poolclass" not in kwargs:
        kwargs.update(pool_size=10, max_overflow=20)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web server, the worker and the demo read while one writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_lock_for_update(
    conn: Any, _cursor: Any, _sql: str, _params: Any, context: Any, _many: bool
) -> None:
    """Give SELECT ... FOR UPDATE its meaning on SQLite, which drops the clause.

    pysqlite opens a transaction only at the first write, so two processes could both read a
    row "for update" and both act on it. Taking the database's write lock before such a read
    (BEGIN IMMEDIATE) makes the second wait until the first commits, then read what it wrote.
    """
    statement = getattr(getattr(context, "compiled", None), "statement", None)
    if getattr(statement, "_for_update_arg", None) is None:
        return
    dbapi_connection = conn.connection.dbapi_connection
    if not dbapi_connection.in_transaction:  # inside one, this connection already writes
        dbapi_connection.execute("BEGIN IMMEDIATE")


_engines: dict[tuple[int, str], Engine] = {}


def get_engine(url: str | None = None) -> Engine:
    """The process's engine for a URL (default: the configured one), made once per process."""
    url = url or get_kernel_settings().effective_database_url()
    # Keyed by pid: a forked RQ work-horse must not reuse its parent's pooled connections.
    key = (os.getpid(), url)
    if key not in _engines:
        _engines[key] = make_engine(url)
    return _engines[key]


# The seam the test suite uses (tests/conftest.py): while `_joined` holds a connection, sessions
# on that connection's engine open on it instead, each inside a SAVEPOINT, so application code
# runs unchanged inside a transaction the test rolls back. Nothing in the application sets it.
_joined: Connection | None = None


@contextmanager
def sessions_joined_to(connection: Connection) -> Iterator[None]:
    """Tests only: open the sessions of `connection.engine` on `connection`, in a SAVEPOINT.

    A session's commit then releases its savepoint and its rollback returns to it; what it
    wrote stays in the connection's transaction, which the caller ends (tests roll it back).
    """
    global _joined
    previous, _joined = _joined, connection
    try:
        yield
    finally:
        _joined = previous


def open_session(engine: Engine) -> Session:
    """A new session on `engine`; every session of the application is opened here."""
    if _joined is not None and _joined.engine is engine:
        return Session(_joined, expire_on_commit=False, join_transaction_mode="create_savepoint")
    return Session(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error (jobs and the CLI)."""
    with open_session(engine or get_engine()) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def request_session(request: Request) -> Iterator[Session]:
    """The request's session; committed when the endpoint returns, before the response."""
    engine: Engine = request.app.state.engine
    with open_session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(request_session, scope="function")]
