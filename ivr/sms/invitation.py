"""The SMS survey invitation of an attempt: digits, the web survey link, or both (a setting)."""

from sqlmodel import Session

from callbacks.models import CallAttempt, CallbackTask, TaskKind
from callbacks.weblink import issue_link
from ivr.config import IvrSettings
from ivr.sms.texts import (
    render_invitation,
    render_link_invitation,
    render_project_contact_invitation,
)
from kernel.clock import local_date


def survey_invitation(
    session: Session, *, task: CallbackTask, attempt: CallAttempt, settings: IvrSettings
) -> str:
    """The text that opens an SMS survey, issuing the attempt's web link when the mode asks."""
    mode = settings.sms_survey_mode
    link = None
    if mode != "digits":
        link = settings.survey_link(
            issue_link(session, attempt=attempt, secret=settings.link_secret)
        )
    contact = task.kind == TaskKind.project_contact
    if mode == "link" and link is not None:
        return render_link_invitation(
            signature=settings.sms_signature,
            link=link,
            business=task.business_kind,
            on=None if contact else local_date(task.business_at),
            outlet=task.outlet_name,
            project=task.project_name,
        )
    if contact:
        return render_project_contact_invitation(
            signature=settings.sms_signature,
            project=task.project_name or "",
            outlet=task.outlet_name,
            link=link,
        )
    return render_invitation(
        signature=settings.sms_signature,
        business=task.business_kind,
        on=local_date(task.business_at),
        outlet=task.outlet_name,
        link=link,
    )
