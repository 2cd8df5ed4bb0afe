"""Many rows in a few statements: COPY, one array parameter for 10,000 ids, chunks.

A remittance of 10,000 depositors or the yearly interest touches every account at once; these
helpers keep that to a handful of statements on PostgreSQL and stay correct elsewhere.
"""

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from sqlalchemy import ARRAY, ColumnElement, Table, any_, insert, literal
from sqlmodel import Session

from core_ledger.journal.models import FundAccount

# A remittance of 10,000 depositors is one statement per this many rows.
BULK_CHUNK = 5_000


T = TypeVar("T")


def chunks(values: list[T]) -> Iterator[list[T]]:
    """Slices small enough for any database's limit on bound parameters."""
    for start in range(0, len(values), BULK_CHUNK):
        yield values[start : start + BULK_CHUNK]


def among(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """column IN values — on PostgreSQL one array parameter, so 10,000 ids are one bind."""
    listed = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(listed, ARRAY(column.type)))
    return column.in_(listed)


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in this transaction: COPY on PostgreSQL, batched INSERTs elsewhere."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        for start in range(0, len(rows), BULK_CHUNK):
            session.execute(insert(table), rows[start : start + BULK_CHUNK])
        return
    columns = list(rows[0])
    raw = session.connection().connection.driver_connection
    assert raw is not None
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


def expire_accounts(session: Session, *, ids: set[int], attributes: list[str]) -> None:
    """Forget loaded values a bulk statement has just changed underneath the session."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, FundAccount) and obj.id in ids:
            session.expire(obj, attributes)
