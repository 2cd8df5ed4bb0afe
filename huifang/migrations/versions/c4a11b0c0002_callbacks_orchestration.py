"""callbacks: exceptions, do-not-call, sms replies, rectification tasks

Revision ID: c4a11b0c0002
Revises: 0001
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c4a11b0c0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_text = sqlmodel.sql.sqltypes.AutoString
_ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("callback_task", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="survey")
        )
        batch_op.add_column(sa.Column("parent_task_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("close_reason", _text(length=20), nullable=True))
        batch_op.add_column(sa.Column("suggestion", _text(length=2000), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_callback_task_parent_task_id"), ["parent_task_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_callback_task_parent_task_id", "callback_task", ["parent_task_id"], ["id"]
        )
    with op.batch_alter_table("call_attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deadline_at", _ts, nullable=True))
        batch_op.add_column(
            sa.Column("follow_ups_sent", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("clarifications_sent", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("error_code", _text(length=16), nullable=True))

    op.create_table(
        "do_not_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", _text(length=20), nullable=False),
        sa.Column("reason", _text(length=20), nullable=False),
        sa.Column("actor", _text(length=64), nullable=False),
        sa.Column("note", _text(length=500), nullable=True),
        sa.Column("created_at", _ts, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("phone"),
    )
    op.create_table(
        "callback_exception",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("reason", _text(length=20), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("opened_at", _ts, nullable=False),
        sa.Column("sla_due_at", _ts, nullable=False),
        sa.Column("rectify_due_at", _ts, nullable=True),
        sa.Column("assignee", _text(length=64), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("verified_at", _ts, nullable=True),
        sa.Column("rectified_at", _ts, nullable=True),
        sa.Column("rectification", _text(length=2000), nullable=True),
        sa.Column("closed_at", _ts, nullable=True),
        sa.Column("closed_by", _text(length=64), nullable=True),
        sa.Column("note", _text(length=2000), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["callback_task.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id", "reason"),
    )
    with op.batch_alter_table("callback_exception", schema=None) as batch_op:
        batch_op.create_index("ix_callback_exception_queue", ["status", "priority"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_callback_exception_task_id"), ["task_id"], unique=False
        )
    op.create_table(
        "sms_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_sid", _text(length=64), nullable=False),
        sa.Column("phone", _text(length=20), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("kind", _text(length=12), nullable=False),
        sa.Column("action", _text(length=20), nullable=False),
        sa.Column("missing", _text(length=100), nullable=False),
        sa.Column("raw", _text(length=2000), nullable=False),
        sa.Column("received_at", _ts, nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["call_attempt.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["callback_task.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_sid"),
    )
    with op.batch_alter_table("sms_reply", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sms_reply_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_sms_reply_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sms_reply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_reply_task_id"))
        batch_op.drop_index(batch_op.f("ix_sms_reply_phone"))
    op.drop_table("sms_reply")
    with op.batch_alter_table("callback_exception", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callback_exception_task_id"))
        batch_op.drop_index("ix_callback_exception_queue")
    op.drop_table("callback_exception")
    op.drop_table("do_not_call")
    with op.batch_alter_table("call_attempt", schema=None) as batch_op:
        batch_op.drop_column("error_code")
        batch_op.drop_column("clarifications_sent")
        batch_op.drop_column("follow_ups_sent")
        batch_op.drop_column("deadline_at")
    with op.batch_alter_table("callback_task", schema=None) as batch_op:
        batch_op.drop_constraint("fk_callback_task_parent_task_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_callback_task_parent_task_id"))
        batch_op.drop_column("suggestion")
        batch_op.drop_column("close_reason")
        batch_op.drop_column("parent_task_id")
        batch_op.drop_column("kind")
