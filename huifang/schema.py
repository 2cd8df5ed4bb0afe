"""Every table of every package, imported in one place for migrations and tests."""

from sqlmodel import SQLModel

import callbacks.models
import core_ledger.documents
import core_ledger.models
import core_ledger.org
import ivr.sms.models
import ivr.voice.models
import kernel.auth
import scoring.models

MODULES = (
    kernel.auth,
    core_ledger.models,
    core_ledger.documents,
    core_ledger.org,
    scoring.models,
    callbacks.models,
    ivr.sms.models,
    ivr.voice.models,
)
metadata = SQLModel.metadata
