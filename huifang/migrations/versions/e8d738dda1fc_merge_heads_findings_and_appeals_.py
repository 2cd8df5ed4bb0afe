"""merge heads: findings and appeals, managers as leaders, survey answers unconfirmed

Revision ID: e8d738dda1fc
Revises: 6dd6827d0b15, b82848617502, fe059767179a
Create Date: 2026-12-02 16:22:56.776590
"""

from collections.abc import Sequence

revision: str = "e8d738dda1fc"
down_revision: str | Sequence[str] | None = ("6dd6827d0b15", "b82848617502", "fe059767179a")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
