"""The callbacks channel over Twilio, through the official SDK only.

Twilio's words stop here: error codes become `Failure` classes (ivr.twilio.errors), call
resources become neutral `CallReport`s, and a survey text arrives as a template id with
parameters that this adapter renders into a body.
"""

from datetime import datetime
from typing import TypeVar

from twilio.rest import Client
from twilio.rest.api.v2010.account.call import CallInstance
from twilio.rest.api.v2010.account.message import MessageInstance

from callbacks import service as callbacks
from callbacks.events import CallReport
from ivr.config import IvrSettings
from ivr.sms import service as sms_service
from ivr.sms.invitation import survey_invitation
from ivr.twilio.client import make_client
from ivr.twilio.errors import PROVIDER_ERRORS, channel_error
from ivr.twilio.events import answerer_of, state_of
from kernel.clock import as_utc
from kernel.db import session_scope

CALL_EVENTS = ["initiated", "ringing", "answered", "completed"]


Created = TypeVar("Created", CallInstance, MessageInstance)


def _earliest_since(found: list[Created], since: datetime) -> Created | None:
    """The earliest of the provider's calls or messages created at or after `since`."""
    start = as_utc(since)
    mine = [i for i in found if i.date_created is not None and as_utc(i.date_created) >= start]
    return min(mine, key=lambda i: as_utc(i.date_created), default=None)


class TwilioChannel:
    """Places survey calls and sends survey messages."""

    def __init__(self, settings: IvrSettings, client: Client | None = None) -> None:
        self.settings = settings
        self.client = client or make_client(settings)

    def place_call(self, *, attempt_id: int, to: str) -> str:
        """Start a survey call whose TwiML and status callbacks come back to us.

        Answering-machine detection runs asynchronously (AsyncAmd): the greeting starts at
        once instead of after seconds of silence, and the verdict arrives at /amd.
        """
        url = self.settings.webhook_url
        try:
            call = self.client.calls.create(
                to=to,
                from_=self.settings.twilio_from_number,
                url=url(f"/twilio/voice/start?attempt={attempt_id}"),
                method="POST",
                fallback_url=url(f"/twilio/voice/fallback?attempt={attempt_id}"),
                fallback_method="POST",
                status_callback=url(f"/twilio/voice/status?attempt={attempt_id}"),
                status_callback_event=CALL_EVENTS,
                status_callback_method="POST",
                machine_detection="Enable",
                async_amd="true",
                async_amd_status_callback=url(f"/twilio/voice/amd?attempt={attempt_id}"),
                async_amd_status_callback_method="POST",
            )
        except PROVIDER_ERRORS as error:
            raise channel_error(error) from error
        return str(call.sid)

    def send_survey_sms(self, *, attempt_id: int, to: str) -> str:
        """Text the survey invitation for an attempt's task; return the MessageSid."""
        with session_scope() as session:
            attempt = callbacks.get_attempt(session, attempt_id=attempt_id)
            task = callbacks.get_task(session, task_id=attempt.task_id)
            task_id = task.id or 0
            body = survey_invitation(session, task=task, attempt=attempt, settings=self.settings)
        sender = self.settings.twilio_messaging_service_sid
        try:
            message = self.client.messages.create(
                to=to,
                **({"messaging_service_sid": sender} if sender else {}),
                **({} if sender else {"from_": self.settings.twilio_from_number}),
                body=body,
                status_callback=self.settings.webhook_url(
                    f"/twilio/sms/status?attempt={attempt_id}"
                ),
            )
        except PROVIDER_ERRORS as error:
            raise channel_error(error) from error
        with session_scope() as session:
            sms_service.record_sent(
                session,
                message_sid=str(message.sid),
                phone=to,
                body=body,
                status=str(message.status or "queued"),
                attempt_id=attempt_id,
                task_id=task_id,
            )
        return str(message.sid)

    def adopt_survey_sms(self, *, attempt_id: int, to: str, since: datetime) -> str | None:
        """The survey text a lost job sent to `to` at or after `since`, kept as this attempt's.

        The job that sent it died before writing the message down; the person got it, so it
        is recorded now (replies are matched to it) and not sent a second time.
        """
        try:
            found = self.client.messages.list(to=to, date_sent_after=since, limit=50)
        except PROVIDER_ERRORS as error:
            raise channel_error(error) from error
        outbound = [m for m in found if str(m.direction or "").startswith("outbound")]
        message = _earliest_since(outbound, since)
        if message is None:
            return None
        with session_scope() as session:
            attempt = callbacks.get_attempt(session, attempt_id=attempt_id)
            sms_service.record_sent(
                session,
                message_sid=str(message.sid),
                phone=to,
                body=str(message.body or ""),
                status=str(message.status or "queued"),
                attempt_id=attempt_id,
                task_id=attempt.task_id,
            )
        return str(message.sid)

    def find_call(self, *, to: str, since: datetime) -> str | None:
        """The earliest call to `to` created at or after `since` (Twilio filters by day)."""
        try:
            calls = self.client.calls.list(to=to, start_time_after=since, limit=50)
        except PROVIDER_ERRORS as error:
            raise channel_error(error) from error
        call = _earliest_since(calls, since)
        return str(call.sid) if call is not None else None

    def fetch_call(self, *, call_id: str) -> CallReport:
        """The call as Twilio describes it now."""
        try:
            call = self.client.calls(call_id).fetch()
        except PROVIDER_ERRORS as error:
            raise channel_error(error) from error
        duration = str(call.duration or "")
        return CallReport(
            call_id=call_id,
            state=state_of(str(call.status or "")),
            answerer=answerer_of(call.answered_by),
            duration_s=int(duration) if duration.isdigit() else None,
        )

    def cancel_call(self, *, call_id: str) -> None:
        """Cancel a call not yet answered, or end one in progress."""
        try:
            call = self.client.calls(call_id).fetch()
            status = "completed" if call.status == "in-progress" else "canceled"
            self.client.calls(call_id).update(status=status)
        except PROVIDER_ERRORS as error:
            raise channel_error(error) from error

    def delete_recording(self, *, recording_sid: str) -> None:
        """Delete a recording at Twilio once we hold it (no voice stays with the provider)."""
        try:
            self.client.recordings(recording_sid).delete()
        except PROVIDER_ERRORS as error:
            raise channel_error(error) from error
