"""findings and appeals: rating exclusions, rating_event, rating_appeal, case findings

Revision ID: 6dd6827d0b15
Revises: d0e1f2a3b4c5
Create Date: 2026-12-02 15:42:44.184270
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "6dd6827d0b15"
down_revision: str | Sequence[str] | None = "d0e1f2a3b4c5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_ONLY = sa.text("state = 'open'")
COVERED = {"outlet": ["period", "outlet_id"], "teller": ["period", "teller_id"]}


def _cover(include: list[str]) -> None:
    """Rebuild the ranking's covering indexes so the filter it reads stays inside them."""
    for name, columns in COVERED.items():
        op.drop_index(f"ix_callback_rating_period_{name}", table_name="callback_rating")
        op.create_index(
            f"ix_callback_rating_period_{name}",
            "callback_rating",
            columns,
            unique=False,
            postgresql_include=include,
        )


def upgrade() -> None:
    op.create_table(
        "rating_appeal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("evidence", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("filed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlet.id"]),
        sa.ForeignKeyConstraint(["rating_id"], ["callback_rating.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_rating_appeal_outlet_id"), "rating_appeal", ["outlet_id"])
    op.create_index(op.f("ix_rating_appeal_rating_id"), "rating_appeal", ["rating_id"])
    op.create_index(op.f("ix_rating_appeal_state"), "rating_appeal", ["state"])
    op.create_index(
        "uq_rating_appeal_open",
        "rating_appeal",
        ["rating_id"],
        unique=True,
        postgresql_where=OPEN_ONLY,
        sqlite_where=OPEN_ONLY,
    )

    op.create_table(
        "rating_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2500), nullable=False),
        sa.ForeignKeyConstraint(["rating_id"], ["callback_rating.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_rating_event_rating_id"), "rating_event", ["rating_id"])

    with op.batch_alter_table("callback_exception", schema=None) as batch_op:
        batch_op.add_column(sa.Column("finding", sa.String(length=12), nullable=True))
        batch_op.add_column(
            sa.Column("found_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )

    with op.batch_alter_table("callback_rating", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "excluded_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True
            )
        )
        batch_op.add_column(sa.Column("excluded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("excluded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "repeat_trip_excluded", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("favour_excluded", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    _cover(["attitude", "efficiency", "held", "excluded_reason"])


def downgrade() -> None:
    _cover(["attitude", "efficiency", "held"])
    with op.batch_alter_table("callback_rating", schema=None) as batch_op:
        batch_op.drop_column("favour_excluded")
        batch_op.drop_column("repeat_trip_excluded")
        batch_op.drop_column("excluded_by")
        batch_op.drop_column("excluded_at")
        batch_op.drop_column("excluded_reason")

    with op.batch_alter_table("callback_exception", schema=None) as batch_op:
        batch_op.drop_column("found_by")
        batch_op.drop_column("finding")

    op.drop_index(op.f("ix_rating_event_rating_id"), table_name="rating_event")
    op.drop_table("rating_event")
    op.drop_index("uq_rating_appeal_open", table_name="rating_appeal")
    op.drop_index(op.f("ix_rating_appeal_state"), table_name="rating_appeal")
    op.drop_index(op.f("ix_rating_appeal_rating_id"), table_name="rating_appeal")
    op.drop_index(op.f("ix_rating_appeal_outlet_id"), table_name="rating_appeal")
    op.drop_table("rating_appeal")
