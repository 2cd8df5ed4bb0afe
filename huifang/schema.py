"""Every table of every package, imported in one place for migrations and tests."""

from sqlalchemy import ForeignKeyConstraint
from sqlmodel import SQLModel

import callbacks.models
import core_ledger.accounts.models
import core_ledger.feed.models
import core_ledger.journal.models
import core_ledger.loans.models
import core_ledger.org.models
import core_ledger.outbox.models
import core_ledger.remittance.models
import core_ledger.withdrawals.models
import ivr.sms.models
import ivr.voice.models
import kernel.audit
import kernel.auth
import kernel.signin
import scoring.attendance.models
import scoring.exclusions.models
import scoring.models

MODULES = (
    kernel.audit,
    kernel.auth,
    kernel.signin,
    core_ledger.org.models,
    core_ledger.journal.models,
    core_ledger.accounts.models,
    core_ledger.outbox.models,
    core_ledger.remittance.models,
    core_ledger.withdrawals.models,
    core_ledger.loans.models,
    core_ledger.feed.models,
    scoring.models,
    scoring.exclusions.models,
    scoring.attendance.models,
    callbacks.models,
    ivr.sms.models,
    ivr.voice.models,
)
metadata = SQLModel.metadata

# The bulk tables' keys that PostgreSQL checks once per statement, by trigger, instead of by a
# declared constraint (migration e7f8a9b0c1d2): the models still declare them (SQLite keeps
# them), so a comparison of models and database leaves them out.
STATEMENT_CHECKED_KEYS = frozenset(
    {
        ("journal_line", ("posting_id",)),
        ("journal_line", ("fund_account_id",)),
        ("remittance_line", ("remittance_id",)),
        ("remittance_line", ("fund_account_id",)),
    }
)


def include_object(
    item: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter: every object but the keys checked per statement on PostgreSQL."""
    if type_ != "foreign_key_constraint" or not isinstance(item, ForeignKeyConstraint):
        return True
    columns = tuple(column.name for column in item.columns)
    return (item.table.name, columns) not in STATEMENT_CHECKED_KEYS
