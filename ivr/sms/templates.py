"""Survey texts as template id + parameters, the way Chinese carriers send SMS.

A domestic SMS gateway sends only templates registered with the carriers, so an invitation is
first a template id and its parameters (`ivr.sms.invitation`); a provider that sends bodies
(Twilio) renders them here. The `link` parameter carries the web survey's address (H5).
"""

from datetime import date

from callbacks.channel import SmsTemplate
from ivr.sms.texts import (
    render_invitation,
    render_link_invitation,
    render_project_contact_invitation,
)

SURVEY_INVITATION = "survey_invitation"  # digits to reply, and a link beside them if given
PROJECT_CONTACT_INVITATION = "project_contact_invitation"
LINK_INVITATION = "link_invitation"  # only the web survey's link
TEMPLATE_IDS = (SURVEY_INVITATION, PROJECT_CONTACT_INVITATION, LINK_INVITATION)


class UnknownTemplate(ValueError):
    """A template id no carrier registration (and no renderer) exists for."""


def render(template: SmsTemplate, *, signature: str) -> str:
    """The full text of a template, for a provider that sends bodies (Twilio)."""
    params = template.params
    link = params.get("link") or None
    if template.template_id == SURVEY_INVITATION:
        return render_invitation(
            signature=signature,
            business=params["business"],
            on=date.fromisoformat(params["date"]),
            outlet=params["outlet"],
            link=link,
        )
    if template.template_id == PROJECT_CONTACT_INVITATION:
        return render_project_contact_invitation(
            signature=signature, project=params["project"], outlet=params["outlet"], link=link
        )
    if template.template_id == LINK_INVITATION and link is not None:
        day = params.get("date")
        return render_link_invitation(
            signature=signature,
            link=link,
            business=params.get("business", ""),
            on=date.fromisoformat(day) if day else None,
            outlet=params.get("outlet", ""),
            project=params.get("project") or None,
        )
    raise UnknownTemplate(f"未登记的短信模板 {template.template_id!r}")
