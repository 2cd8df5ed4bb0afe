"""Every table of every package, imported in one place for migrations and tests."""

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
