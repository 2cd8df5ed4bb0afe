"""Re-sealing every encrypted value under the ring's current key (`huifang keys rotate`).

Each batch reads values not yet sealed under the current key, opens them with whichever key
sealed them, seals them again and commits; so a rotation stopped half-way (a deploy, a crash,
Ctrl-C) is resumed by running it again, and a value written meanwhile under the old key by a
process that had not yet re-read the ring is picked up by the next run. Running processes read
the new ring by themselves the first time they meet a value sealed under a key they lack.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kernel.crypto import (
    PREFIX,
    EncryptedBytes,
    SealedType,
    decrypt_bytes,
    decrypt_text,
    encrypt_bytes,
    encrypt_text,
    get_keyring,
)

BATCH = 500


@dataclass(frozen=True)
class SealedColumn:
    """One encrypted column of one table, read and written as its stored form."""

    table: str
    column: str
    binary: bool

    @property
    def context(self) -> str:
        return f"{self.table}.{self.column}"

    def raw(self) -> sa.TableClause:
        stored = sa.LargeBinary if self.binary else sa.Text
        return sa.table(self.table, sa.column("id", sa.Integer), sa.column(self.column, stored))


def sealed_columns(metadata: sa.MetaData) -> list[SealedColumn]:
    """Every encrypted column the models declare."""
    return [
        SealedColumn(table.name, column.name, isinstance(column.type, EncryptedBytes))
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, SealedType)
    ]


def _stale(sealed: SealedColumn, table: sa.TableClause, kid: str) -> sa.ColumnElement[bool]:
    """Values present but not sealed under key `kid`."""
    value = table.c[sealed.column]
    prefix = f"{PREFIX}${kid}$"
    if sealed.binary:
        head = sa.func.substr(value, 1, len(prefix))
        return sa.and_(value.is_not(None), head != sa.literal(prefix.encode(), sa.LargeBinary))
    return sa.and_(value.is_not(None), sa.func.substr(value, 1, len(prefix)) != prefix)


def count_stale(engine: Engine, columns: list[SealedColumn]) -> int:
    """How many values are not yet sealed under the current key."""
    kid = get_keyring().current
    total = 0
    with engine.connect() as connection:
        for sealed in columns:
            table = sealed.raw()
            query = sa.select(sa.func.count()).select_from(table)
            total += connection.execute(query.where(_stale(sealed, table, kid))).scalar_one()
    return total


def reseal(
    engine: Engine,
    columns: list[SealedColumn],
    *,
    batch: int = BATCH,
    progress: Callable[[int], None] = lambda _: None,
) -> int:
    """Seal every stale value again under the current key, a batch per commit; return count."""
    done = 0
    for sealed in columns:
        for count in _reseal_column(engine, sealed, batch=batch):
            done += count
            progress(count)
    return done


def _reseal_column(engine: Engine, sealed: SealedColumn, *, batch: int) -> Iterator[int]:
    table = sealed.raw()
    value, row_id = table.c[sealed.column], table.c.id
    kid, last = get_keyring().current, 0
    while True:
        with engine.begin() as connection:
            rows = connection.execute(
                sa.select(row_id, value)
                .where(row_id > last, _stale(sealed, table, kid))
                .order_by(row_id)
                .limit(batch)
            ).all()
            if not rows:
                return
            for key, stored in rows:
                connection.execute(
                    table.update()
                    .where(row_id == key)
                    .values({sealed.column: _again(sealed, stored)})
                )
        last = rows[-1][0]
        yield len(rows)


def _again(sealed: SealedColumn, stored: str | bytes) -> str | bytes:
    """A stored value sealed again under the current key (a plain value is sealed at last)."""
    if sealed.binary:
        data = stored if isinstance(stored, bytes) else bytes(stored, "latin-1")
        plain = decrypt_bytes(data, context=sealed.context) if data.startswith(b"hf1$") else data
        return encrypt_bytes(plain, context=sealed.context)
    text = str(stored)
    plain_text = decrypt_text(text, context=sealed.context) if text.startswith("hf1$") else text
    return encrypt_text(plain_text, context=sealed.context)
