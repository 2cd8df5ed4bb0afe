"""Start-up checks of the From number: Twilio cannot call or text China from just any number.

Twilio sells no mainland-China (+86) numbers and does not let a Chinese number be shown as
the caller: a +86 From (the centre's 12329) is refused for calls and texts to +86. A From
the account does not own or has not verified is refused too (21210 for calls, 21606 for
texts). Start-up says so, with the reason, instead of every attempt failing at night.
"""

from twilio.base.exceptions import TwilioException

from ivr.config import IvrSettings
from ivr.twilio.client import make_client
from ivr.twilio.errors import PROVIDER_ERRORS


def from_number_problems(settings: IvrSettings, *, ask_account: bool) -> list[str]:
    """Why Twilio cannot use HUIFANG_TWILIO_FROM_NUMBER for +86 (empty when it can)."""
    sender = settings.twilio_from_number
    if settings.twilio_messaging_service_sid and not sender:
        return []
    if sender.startswith("+86"):
        return [
            f"HUIFANG_TWILIO_FROM_NUMBER 为 {sender}：Twilio 不提供中国大陆（+86）号码，"
            "也不允许以中国号码作为主叫显示，呼叫和短信都会被拒绝。请改用 Twilio 账户中"
            "已购买的号码（并在控制台开通中国的 Geo Permissions），或改用国内运营商通道"
            "（见 docs/deploy-china.md）"
        ]
    if not ask_account:
        return []
    try:
        client = make_client(settings)
        owned = client.incoming_phone_numbers.list(phone_number=sender, limit=1)
        verified = [] if owned else client.outgoing_caller_ids.list(phone_number=sender, limit=1)
    except (TwilioException, *PROVIDER_ERRORS) as error:
        return [f"无法向 Twilio 核对主叫号码 {sender}：{error}"]
    if not owned and not verified:
        return [
            f"HUIFANG_TWILIO_FROM_NUMBER 为 {sender}：不是本 Twilio 账户购买或验证过的号码，"
            "Twilio 会拒绝呼叫（21210）和短信（21606）。请在控制台购买该号码或改设为账户中的号码"
        ]
    return []
