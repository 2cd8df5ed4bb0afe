"""The SMS survey invitation of an attempt: digits, the web survey link, or both (a setting).

It is built as a template id with parameters (Chinese carriers send only registered
templates); `survey_invitation` renders it for a provider that sends bodies.
"""

from sqlmodel import Session

from callbacks.channel import SmsTemplate
from callbacks.models import CallAttempt, CallbackTask, TaskKind
from callbacks.weblink import issue_link
from ivr.config import IvrSettings
from ivr.sms.templates import (
    LINK_INVITATION,
    PROJECT_CONTACT_INVITATION,
    SURVEY_INVITATION,
    render,
)
from kernel.clock import local_date


def invitation_template(
    session: Session, *, task: CallbackTask, attempt: CallAttempt, settings: IvrSettings
) -> SmsTemplate:
    """The invitation as a template, issuing the attempt's web link when the mode asks."""
    mode = settings.sms_survey_mode
    link = None
    if mode != "digits":
        link = settings.survey_link(
            issue_link(session, attempt=attempt, secret=settings.link_secret)
        )
    contact = task.kind == TaskKind.project_contact
    params = {"outlet": task.outlet_name}
    if contact:
        params["project"] = task.project_name or ""
    else:
        params |= {"business": task.business_kind, "date": local_date(task.business_at).isoformat()}
    if link is not None:
        params["link"] = link
    if mode == "link" and link is not None:
        template = LINK_INVITATION
    else:
        template = PROJECT_CONTACT_INVITATION if contact else SURVEY_INVITATION
    return SmsTemplate(template_id=template, params=params)


def survey_invitation(
    session: Session, *, task: CallbackTask, attempt: CallAttempt, settings: IvrSettings
) -> str:
    """The text that opens an SMS survey."""
    template = invitation_template(session, task=task, attempt=attempt, settings=settings)
    return render(template, signature=settings.sms_signature)
