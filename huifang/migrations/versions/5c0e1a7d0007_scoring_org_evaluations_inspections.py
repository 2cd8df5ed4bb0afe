"""scoring: org structure, anti-gaming flags, alerts, evaluations, inspections, rectification

Revision ID: 5c0e1a7d0007
Revises: 0001
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5c0e1a7d0007"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_department_code"), "department", ["code"], unique=True)
    op.create_table(
        "evaluation_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period"),
    )
    op.create_table(
        "leadership_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("portfolio", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_leadership_member_code"), "leadership_member", ["code"], unique=True)
    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("firm", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlet.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("outlet_id", "quarter"),
    )
    op.create_index(op.f("ix_inspection_outlet_id"), "inspection", ["outlet_id"], unique=False)
    op.create_index(op.f("ix_inspection_quarter"), "inspection", ["quarter"], unique=False)
    op.create_table(
        "manager",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlet.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_manager_code"), "manager", ["code"], unique=True)
    op.create_index(op.f("ix_manager_department_id"), "manager", ["department_id"], unique=False)
    op.create_index(op.f("ix_manager_outlet_id"), "manager", ["outlet_id"], unique=False)
    op.create_table(
        "ranking_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlet.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("outlet_id", "period", "kind"),
    )
    op.create_index(
        op.f("ix_ranking_alert_outlet_id"), "ranking_alert", ["outlet_id"], unique=False
    )
    op.create_index(op.f("ix_ranking_alert_period"), "ranking_alert", ["period"], unique=False)
    op.create_table(
        "evaluation_rater",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'outlet' AND outlet_id IS NOT NULL)"
            " OR (kind = 'department' AND department_id IS NOT NULL)"
            " OR (kind = 'manager' AND manager_id IS NOT NULL)",
            name="ck_evaluation_rater_seat",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["manager.id"],
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlet.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id"),
    )
    op.create_table(
        "inspection_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_inspection_finding_inspection_id"),
        "inspection_finding",
        ["inspection_id"],
        unique=False,
    )
    op.create_table(
        "issue_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlet.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inspection_id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index(op.f("ix_issue_letter_outlet_id"), "issue_letter", ["outlet_id"], unique=False)
    op.create_table(
        "evaluation_ballot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("rater_kind", sa.String(length=12), nullable=False),
        sa.Column("subject_kind", sa.String(length=12), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rater_id"],
            ["evaluation_rater.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["evaluation_round.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "rater_id", "subject_kind", "subject_id"),
    )
    op.create_index(
        op.f("ix_evaluation_ballot_rater_id"), "evaluation_ballot", ["rater_id"], unique=False
    )
    op.create_index(
        "ix_evaluation_ballot_subject",
        "evaluation_ballot",
        ["round_id", "subject_kind", "subject_id"],
        unique=False,
    )
    op.create_table(
        "finding_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("stored_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["inspection_finding.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("finding_id", "sha256"),
    )
    op.create_index(
        op.f("ix_finding_photo_finding_id"), "finding_photo", ["finding_id"], unique=False
    )
    op.create_table(
        "rating_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["rating_id"],
            ["callback_rating.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rating_id", "reason"),
    )
    op.create_index(op.f("ix_rating_flag_rating_id"), "rating_flag", ["rating_id"], unique=False)
    op.create_index(op.f("ix_rating_flag_state"), "rating_flag", ["state"], unique=False)
    op.create_table(
        "rectification_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("content", sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("review_note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["issue_letter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_rectification_step_letter_id"), "rectification_step", ["letter_id"], unique=False
    )
    op.create_table(
        "evaluation_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=16), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.CheckConstraint(
            "tier <> 'unsatisfied' OR length(trim(coalesce(reason, ''))) > 0",
            name="ck_evaluation_answer_reason",
        ),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["evaluation_ballot.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ballot_id", "criterion"),
    )
    op.create_index(
        op.f("ix_evaluation_answer_ballot_id"), "evaluation_answer", ["ballot_id"], unique=False
    )
    op.add_column(
        "callback_rating",
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    )
    op.add_column(
        "callback_rating",
        sa.Column("held", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index(
        "ix_callback_rating_period_teller",
        "callback_rating",
        ["period", "teller_id"],
        unique=False,
        postgresql_include=["attitude", "efficiency", "held"],
    )
    op.create_index(op.f("ix_callback_rating_phone"), "callback_rating", ["phone"], unique=False)

    # The ranking reads one month of ratings per outlet: make the index cover the tiers.
    op.drop_index("ix_callback_rating_period_outlet", table_name="callback_rating")
    op.create_index(
        "ix_callback_rating_period_outlet",
        "callback_rating",
        ["period", "outlet_id"],
        unique=False,
        postgresql_include=["attitude", "efficiency", "held"],
    )
    op.create_index(
        "uq_rectification_step",
        "rectification_step",
        ["letter_id", "kind", sa.text("coalesce(staff_id, 0)")],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_rectification_step", table_name="rectification_step")
    op.drop_index("ix_callback_rating_period_outlet", table_name="callback_rating")
    op.create_index(
        "ix_callback_rating_period_outlet", "callback_rating", ["period", "outlet_id"], unique=False
    )

    op.drop_index(op.f("ix_callback_rating_phone"), table_name="callback_rating")
    op.drop_index(
        "ix_callback_rating_period_teller",
        table_name="callback_rating",
        postgresql_include=["attitude", "efficiency", "held"],
    )
    op.drop_column("callback_rating", "held")
    op.drop_column("callback_rating", "phone")
    op.drop_index(op.f("ix_evaluation_answer_ballot_id"), table_name="evaluation_answer")
    op.drop_table("evaluation_answer")
    op.drop_index(op.f("ix_rectification_step_letter_id"), table_name="rectification_step")
    op.drop_table("rectification_step")
    op.drop_index(op.f("ix_rating_flag_state"), table_name="rating_flag")
    op.drop_index(op.f("ix_rating_flag_rating_id"), table_name="rating_flag")
    op.drop_table("rating_flag")
    op.drop_index(op.f("ix_finding_photo_finding_id"), table_name="finding_photo")
    op.drop_table("finding_photo")
    op.drop_index("ix_evaluation_ballot_subject", table_name="evaluation_ballot")
    op.drop_index(op.f("ix_evaluation_ballot_rater_id"), table_name="evaluation_ballot")
    op.drop_table("evaluation_ballot")
    op.drop_index(op.f("ix_issue_letter_outlet_id"), table_name="issue_letter")
    op.drop_table("issue_letter")
    op.drop_index(op.f("ix_inspection_finding_inspection_id"), table_name="inspection_finding")
    op.drop_table("inspection_finding")
    op.drop_table("evaluation_rater")
    op.drop_index(op.f("ix_ranking_alert_period"), table_name="ranking_alert")
    op.drop_index(op.f("ix_ranking_alert_outlet_id"), table_name="ranking_alert")
    op.drop_table("ranking_alert")
    op.drop_index(op.f("ix_manager_outlet_id"), table_name="manager")
    op.drop_index(op.f("ix_manager_department_id"), table_name="manager")
    op.drop_index(op.f("ix_manager_code"), table_name="manager")
    op.drop_table("manager")
    op.drop_index(op.f("ix_inspection_quarter"), table_name="inspection")
    op.drop_index(op.f("ix_inspection_outlet_id"), table_name="inspection")
    op.drop_table("inspection")
    op.drop_index(op.f("ix_leadership_member_code"), table_name="leadership_member")
    op.drop_table("leadership_member")
    op.drop_table("evaluation_round")
    op.drop_index(op.f("ix_department_code"), table_name="department")
    op.drop_table("department")
