"""The parameters Twilio sends with every voice webhook."""

from twilio_emulator.store import API_VERSION, Call

_COUNTRIES = (("+852", "HK"), ("+86", "CN"), ("+44", "GB"), ("+1", "US"))


def country_of(number: str) -> str:
    """ISO country of an E.164 number, enough for the numbers we see."""
    return next((country for prefix, country in _COUNTRIES if number.startswith(prefix)), "")


def call_params(call: Call) -> dict[str, str]:
    """The parameters Twilio sends with every voice webhook of this call."""
    return {
        "AccountSid": call.account_sid,
        "ApiVersion": API_VERSION,
        "CallSid": call.sid,
        "CallStatus": call.status,
        "Called": call.to,
        "CalledCountry": country_of(call.to),
        "Caller": call.from_,
        "CallerCountry": country_of(call.from_),
        "Direction": "outbound-api",
        "From": call.from_,
        "FromCountry": country_of(call.from_),
        "To": call.to,
        "ToCountry": country_of(call.to),
    }
