"""The outbox payload of a fed record: the ledger events' shape (`outbox.events.event_body`)."""

from typing import Any

from core_ledger.feed.models import FeedKind, FeedRecord
from core_ledger.identity import Gender
from core_ledger.loans.models import Project
from core_ledger.org.models import Outlet, Staff
from core_ledger.outbox.events import event_body


def feed_event(
    record: FeedRecord,
    *,
    outlet: Outlet,
    teller: Staff,
    project: Project | None,
    gender: Gender | None,
) -> dict[str, Any]:
    """Who to call about a fed record, as the relay reads a ledger posting's event."""
    person = {
        "name": record.person_name,
        "phone": record.phone,
        "account_no": None,  # the account is the core system's; nothing here reads it
        "gender": gender,
        "role": "depositor",
    }
    event = event_body(
        kind=FeedKind(record.kind).value,
        business_id=record.id or 0,
        occurred_at=record.occurred_at,
        outlet=outlet,
        teller=teller,
        person=person,
    )
    event["feed"] = {"source": record.source, "business_no": record.business_no}
    if record.ground:
        event["ground"] = record.ground
    if project is not None:
        event["project_contact"] = {"name": project.contact_name, "phone": project.contact_phone}
        event["project"] = {"code": project.code, "name": project.name}
    return event
