"""The outbox payload of a fed record: the ledger events' shape (`outbox.events.event_body`)."""

from typing import Any

from core_ledger.feed.records import FeedRecordIn
from core_ledger.identity import gender_of
from core_ledger.loans.models import Project
from core_ledger.org.models import Outlet, Staff
from core_ledger.outbox.events import event_body


def feed_event(
    *,
    record_id: int,
    source: str,
    record: FeedRecordIn,
    outlet: Outlet,
    teller: Staff,
    project: Project | None,
) -> dict[str, Any]:
    """Who to call about a fed record, as the relay reads a ledger posting's event."""
    person = {
        "name": record.name,
        "phone": record.phone,
        "account_no": None,  # the account is the core system's; nothing here reads it
        "gender": gender_of(record.id_number),  # how the call addresses them, never the ID
        "role": "depositor",
    }
    event = event_body(
        kind=record.kind.value,
        business_id=record_id,
        occurred_at=record.occurred_at,
        outlet=outlet,
        teller=teller,
        person=person,
    )
    event["feed"] = {"source": source, "business_no": record.business_no}
    if record.ground:
        event["ground"] = record.ground.value
    if project is not None:
        event["project_contact"] = {"name": project.contact_name, "phone": project.contact_phone}
        event["project"] = {"code": project.code, "name": project.name}
    return event
