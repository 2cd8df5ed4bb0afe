"""Payloads of the business events the callbacks package consumes (withdrawal/loan completed).

Keys are a contract with `callbacks.relay` / `callbacks.service.open_tasks`: business_kind,
business_id, occurred_at (ISO UTC), outlet_id, outlet_code, outlet_name, teller_id,
teller_code, person {name, phone, account_no, gender}, and for loans project_contact {name,
phone}. The gender (from the resident ID, never the ID itself) lets a call address the person
as 王先生 or 王女士.
"""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from core_ledger.accounts.models import Depositor
from core_ledger.identity import gender_of
from core_ledger.journal.models import FundAccount, Posting
from core_ledger.org.models import Outlet, Staff
from kernel.clock import as_utc


def business_event(
    session: Session, *, kind: str, business_id: int, posting: Posting, account: FundAccount
) -> dict[str, Any]:
    """The common part of a business event: what, when, where, by whom, for whom."""
    outlet = session.get(Outlet, posting.outlet_id)
    teller = session.get(Staff, posting.teller_id)
    depositor = session.get(Depositor, account.depositor_id)
    assert outlet is not None and teller is not None and depositor is not None
    person = {
        "name": depositor.name,
        "phone": depositor.phone,
        "account_no": account.account_no,
        "gender": gender_of(depositor.id_number),
    }
    return event_body(
        kind=kind,
        business_id=business_id,
        occurred_at=posting.occurred_at,
        outlet=outlet,
        teller=teller,
        person=person,
    )


def event_body(
    *,
    kind: str,
    business_id: int,
    occurred_at: datetime,
    outlet: Outlet,
    teller: Staff,
    person: dict[str, Any],
) -> dict[str, Any]:
    """The keys every business event carries, however the business was posted."""
    return {
        "business_kind": kind,
        "business_id": business_id,
        "occurred_at": as_utc(occurred_at).isoformat(),
        "outlet_id": outlet.id,
        "outlet_code": outlet.code,
        "outlet_name": outlet.name,
        "teller_id": teller.id,
        "teller_code": teller.code,
        "person": person,
    }
