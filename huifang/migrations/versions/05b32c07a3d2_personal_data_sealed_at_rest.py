"""personal data sealed at rest: ID numbers, phones, SMS texts, outbox payloads; recordings' audio

Every row already there is sealed here with the key ring of the process that runs the
migration (kernel.crypto: HUIFANG_KEYS, HUIFANG_KEY_FILE, or the demo's own key file), and its
blind index computed. A value already sealed (a re-run after a failure) is left as it is.

Revision ID: 05b32c07a3d2
Revises: 04ef753752e6
Create Date: 2026-12-03 06:50:00
"""

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op

from kernel.crypto import (
    ID_NUMBER,
    PHONE,
    blind_index,
    decrypt_text,
    encrypt_text,
    key_id_of,
)

revision: str = "05b32c07a3d2"
down_revision: str | Sequence[str] | None = "04ef753752e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


@dataclass(frozen=True)
class Sealed:
    table: str
    column: str
    length: int  # the VARCHAR it was
    nullable: bool = False
    kind: str | None = None  # a blind index beside it, of this kind
    index: str | None = None  # the plain column's old index
    unique: bool = False  # the blind index is unique


SEALED = (
    Sealed(
        "depositor", "id_number", 18, kind=ID_NUMBER, index="ix_depositor_id_number", unique=True
    ),
    Sealed("depositor", "phone", 20, kind=PHONE, index="ix_depositor_phone"),
    Sealed("unit", "contact_phone", 20),
    Sealed("project", "contact_phone", 20),
    Sealed("staff", "phone", 20, kind=PHONE, index="ix_staff_phone"),
    Sealed("callback_task", "phone", 20, kind=PHONE, index="ix_callback_task_phone"),
    Sealed("sms_reply", "phone", 20, kind=PHONE, index="ix_sms_reply_phone"),
    Sealed("sms_reply", "raw", 2000),
    Sealed("do_not_call", "phone", 20, kind=PHONE, unique=True),
    Sealed(
        "callback_rating", "phone", 20, nullable=True, kind=PHONE, index="ix_callback_rating_phone"
    ),
    Sealed("sms_message", "phone", 32, kind=PHONE, index="ix_sms_message_phone"),
    Sealed("sms_message", "body", 1600),
)


def _index_column(spec: Sealed) -> str:
    return "id_number_index" if spec.kind == ID_NUMBER else "phone_index"


def upgrade() -> None:
    is_sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("callback_task") as batch_op:
        batch_op.drop_constraint("uq_callback_task_contact", type_="unique")
    # SQLite reflects do_not_call's unique phone without a name: the convention gives it one.
    convention = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
    with op.batch_alter_table("do_not_call", naming_convention=convention) as batch_op:
        batch_op.drop_constraint(
            "uq_do_not_call_phone" if is_sqlite else "do_not_call_phone_key", type_="unique"
        )
    for spec in SEALED:
        with op.batch_alter_table(spec.table) as batch_op:
            if spec.index:
                batch_op.drop_index(spec.index)
            batch_op.alter_column(
                spec.column,
                type_=sa.Text(),
                existing_type=sa.String(spec.length),
                existing_nullable=spec.nullable,
            )
            if spec.kind:
                batch_op.add_column(sa.Column(_index_column(spec), sa.String(32), nullable=True))
        _seal_rows(spec)
    for spec in SEALED:
        if not spec.kind:
            continue
        name = _index_column(spec)
        with op.batch_alter_table(spec.table) as batch_op:
            batch_op.alter_column(
                name, existing_type=sa.String(32), nullable=spec.nullable, server_default=None
            )
            batch_op.create_index(f"ix_{spec.table}_{name}", [name], unique=spec.unique)
    with op.batch_alter_table("callback_task") as batch_op:
        batch_op.create_unique_constraint(
            "uq_callback_task_contact", ["phone_index", "outlet_id", "contact_month"]
        )
    _outbox_payloads(is_sqlite)
    with op.batch_alter_table("voice_recording") as batch_op:
        batch_op.add_column(sa.Column("audio", sa.LargeBinary(), nullable=True))
        for name in ("audio_fetched_at", "audio_purged_at", "transcript_purged_at"):
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))


def _seal_rows(spec: Sealed) -> None:
    """Seal every plain value of one column (and fill its blind index), in batches."""
    connection = op.get_bind()
    table = sa.table(spec.table, sa.column("id", sa.Integer), sa.column(spec.column, sa.Text))
    index_name = _index_column(spec) if spec.kind else None
    if index_name:
        table.append_column(sa.column(index_name, sa.String))
    context = f"{spec.table}.{spec.column}"
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, table.c[spec.column])
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row_id, value in rows:
            if value is None or key_id_of(value) is not None:
                continue
            values = {spec.column: encrypt_text(value, context=context)}
            if index_name and spec.kind:
                values[index_name] = blind_index(spec.kind, value)
            connection.execute(table.update().where(table.c.id == row_id).values(**values))
        last = rows[-1][0]


def _outbox_payloads(is_sqlite: bool) -> None:
    """The outbox's JSON becomes sealed text (the JSON as written, sealed)."""
    if not is_sqlite:
        op.execute("ALTER TABLE outbox_event ALTER COLUMN payload TYPE TEXT USING payload::text")
    else:
        with op.batch_alter_table("outbox_event") as batch_op:
            batch_op.alter_column(
                "payload", type_=sa.Text(), existing_type=sa.JSON(), existing_nullable=False
            )
    _seal_rows(Sealed("outbox_event", "payload", 0))


def downgrade() -> None:
    with op.batch_alter_table("voice_recording") as batch_op:
        for name in ("transcript_purged_at", "audio_purged_at", "audio_fetched_at", "audio"):
            batch_op.drop_column(name)
    _open_rows(Sealed("outbox_event", "payload", 0))
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("outbox_event") as batch_op:
            batch_op.alter_column(
                "payload", type_=sa.JSON(), existing_type=sa.Text(), existing_nullable=False
            )
    else:
        op.execute("ALTER TABLE outbox_event ALTER COLUMN payload TYPE JSON USING payload::json")
    with op.batch_alter_table("callback_task") as batch_op:
        batch_op.drop_constraint("uq_callback_task_contact", type_="unique")
    for spec in SEALED:
        _open_rows(spec)
        with op.batch_alter_table(spec.table) as batch_op:
            if spec.kind:
                name = _index_column(spec)
                batch_op.drop_index(f"ix_{spec.table}_{name}")
                batch_op.drop_column(name)
            batch_op.alter_column(
                spec.column,
                type_=sa.String(spec.length),
                existing_type=sa.Text(),
                existing_nullable=spec.nullable,
            )
            if spec.index:
                batch_op.create_index(spec.index, [spec.column], unique=spec.unique)
    with op.batch_alter_table("do_not_call") as batch_op:
        batch_op.create_unique_constraint("do_not_call_phone_key", ["phone"])
    with op.batch_alter_table("callback_task") as batch_op:
        batch_op.create_unique_constraint(
            "uq_callback_task_contact", ["phone", "outlet_id", "contact_month"]
        )


def _open_rows(spec: Sealed) -> None:
    """Put every sealed value of one column back in plain text (downgrade only)."""
    connection = op.get_bind()
    table = sa.table(spec.table, sa.column("id", sa.Integer), sa.column(spec.column, sa.Text))
    context = f"{spec.table}.{spec.column}"
    rows = connection.execute(sa.select(table.c.id, table.c[spec.column])).all()
    for row_id, value in rows:
        if value is not None and key_id_of(value) is not None:
            plain = decrypt_text(value, context=context)
            connection.execute(
                table.update().where(table.c.id == row_id).values({spec.column: plain})
            )
