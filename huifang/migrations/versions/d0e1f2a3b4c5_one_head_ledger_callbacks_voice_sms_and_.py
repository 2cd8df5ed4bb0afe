"""one head: ledger, callbacks, voice, SMS and scoring

Revision ID: d0e1f2a3b4c5
Revises: 5c0e1a7d0007, 5e6d528263f9, 7aabfb1cc86a, b7e2c9d40a15, c4a11b0c0002
Create Date: 2026-11-26 01:41:29.813906
"""

from collections.abc import Sequence

revision: str = "d0e1f2a3b4c5"
down_revision: str | Sequence[str] | None = (
    "5c0e1a7d0007",
    "5e6d528263f9",
    "7aabfb1cc86a",
    "b7e2c9d40a15",
    "c4a11b0c0002",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
