"""Twilio's error codes sorted into callbacks' neutral failure classes.

21610: the person texted STOP to our sender; Twilio refuses every message until they text
START. Account and configuration errors (a From we do not own, no geo permission for +86)
would fail every attempt the same way, so they pause the channel and name what to fix.
"""

from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import Timeout
from twilio.base.exceptions import TwilioException, TwilioRestException

from callbacks.channel import ChannelError, Failure

OPTED_OUT = {21610}
# Code → the setting or console page an operator must fix.
ACCOUNT = {
    20003: "HUIFANG_TWILIO_ACCOUNT_SID / HUIFANG_TWILIO_AUTH_TOKEN（账户凭据）",
    21210: "HUIFANG_TWILIO_FROM_NUMBER（主叫号码未在 Twilio 账户中购买或验证）",
    21212: "HUIFANG_TWILIO_FROM_NUMBER（主叫号码格式无效）",
    21215: "Twilio 控制台 Voice Geo Permissions（未开通拨打该国家/地区，如中国 +86）",
    21606: "HUIFANG_TWILIO_FROM_NUMBER 或 HUIFANG_TWILIO_MESSAGING_SERVICE_SID（号码不能发短信）",
    21408: "Twilio 控制台 Messaging Geo Permissions（未开通向该国家/地区发短信）",
}
BAD_NUMBER = {21211, 21614, 21214, 21217, 21219, 21401, 21407, 21612, 13224}
RATE_LIMITED = {20429}


def failure_of(code: int | None, *, http_status: int | None = None) -> Failure:
    """The neutral class of a Twilio error code."""
    if code in OPTED_OUT:
        return Failure.opted_out
    if code in ACCOUNT:
        return Failure.account
    if code in BAD_NUMBER:
        return Failure.bad_number
    if code in RATE_LIMITED or http_status == 429:
        return Failure.rate_limited
    return Failure.temporary


def channel_error(error: Exception) -> ChannelError:
    """Any failure of a Twilio request as callbacks' ChannelError."""
    if isinstance(error, TwilioRestException):
        code = error.code if isinstance(error.code, int) else None
        failure = failure_of(code, http_status=error.status)
        setting = ACCOUNT.get(code) if code is not None else None
        return ChannelError(str(error.msg), code=code, failure=failure, setting=setting)
    if isinstance(error, (Timeout, RequestsConnectionError)):
        # No answer: Twilio may have carried the request out (a call may be ringing).
        return ChannelError(f"Twilio 无应答：{error}", failure=Failure.unknown)
    if isinstance(error, TwilioException):
        return ChannelError(str(error), failure=Failure.temporary)
    return ChannelError(repr(error), failure=Failure.temporary)


PROVIDER_ERRORS = (TwilioException, Timeout, RequestsConnectionError)
