"""The callbacks channel over Twilio, through the official SDK only."""

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from callbacks import service as callbacks
from callbacks.channel import ChannelError
from ivr.config import IvrSettings
from ivr.sms import service as sms_service
from ivr.sms.invitation import survey_invitation
from ivr.twilio.client import make_client
from kernel.db import session_scope

# Twilio error codes that no retry can fix: the number itself is wrong or unreachable.
PERMANENT_ERRORS = {21211, 21214, 21217, 21219, 21401, 21407, 21610, 21612, 13224}
CALL_EVENTS = ["initiated", "ringing", "answered", "completed"]


class TwilioChannel:
    """Places survey calls and sends survey messages."""

    def __init__(self, settings: IvrSettings, client: Client | None = None) -> None:
        self.settings = settings
        self.client = client or make_client(settings)

    def place_call(self, *, attempt_id: int, to: str) -> str:
        """Start a survey call whose TwiML and status callbacks come back to us."""
        url = self.settings.webhook_url
        try:
            call = self.client.calls.create(
                to=to,
                from_=self.settings.twilio_from_number,
                url=url(f"/twilio/voice/start?attempt={attempt_id}"),
                method="POST",
                status_callback=url(f"/twilio/voice/status?attempt={attempt_id}"),
                status_callback_event=CALL_EVENTS,
                status_callback_method="POST",
                machine_detection="Enable",
            )
        except TwilioRestException as error:
            raise _channel_error(error) from error
        return str(call.sid)

    def send_survey_sms(self, *, attempt_id: int, to: str) -> str:
        """Text the survey invitation for an attempt's task; return the MessageSid."""
        with session_scope() as session:
            attempt = callbacks.get_attempt(session, attempt_id=attempt_id)
            task = callbacks.get_task(session, task_id=attempt.task_id)
            task_id = task.id or 0
            body = survey_invitation(session, task=task, attempt=attempt, settings=self.settings)
        try:
            message = self.client.messages.create(
                to=to,
                from_=self.settings.twilio_from_number,
                body=body,
                status_callback=self.settings.webhook_url(
                    f"/twilio/sms/status?attempt={attempt_id}"
                ),
            )
        except TwilioRestException as error:
            raise _channel_error(error) from error
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


def _channel_error(error: TwilioRestException) -> ChannelError:
    code = error.code if isinstance(error.code, int) else None
    return ChannelError(str(error.msg), code=code, permanent=code in PERMANENT_ERRORS)
