"""Asynchronous answering-machine detection (AsyncAmd): the verdict comes while the call runs.

The application's first document is already playing (no silence while detection listens);
about AMD_SECONDS into the call the verdict is POSTed to AsyncAmdStatusCallback. The call's
own clock decides when, so the verdict lands in the same place whatever EMULATOR_SPEED is.
"""

import httpx

from twilio_emulator.params import call_params
from twilio_emulator.runtime import Emulator
from twilio_emulator.signing import signed_request
from twilio_emulator.store import Call

AMD_SECONDS = 3.0


def verdict_due(call: Call) -> bool:
    """Whether the call has run long enough for its AsyncAmd verdict, not yet sent."""
    return (
        call.async_amd
        and not call.amd_sent
        and call.answered_by is not None
        and call.elapsed >= AMD_SECONDS
    )


async def send_verdict(emulator: Emulator, call: Call) -> None:
    """POST AnsweredBy to AsyncAmdStatusCallback (once)."""
    call.amd_sent = True
    if not call.async_amd_callback or call.status != "in-progress":
        return
    params = call_params(call) | {
        "AnsweredBy": call.answered_by or "unknown",
        "MachineDetectionDuration": str(int(AMD_SECONDS * 1000)),
    }
    try:
        response = await signed_request(
            emulator.client(),
            auth_token=emulator.config.twilio_auth_token,
            url=call.async_amd_callback,
            method=call.async_amd_callback_method,
            params=params,
        )
        call.log("amd_callback", answered_by=call.answered_by, http_status=response.status_code)
    except httpx.HTTPError as exc:
        call.log("amd_callback", answered_by=call.answered_by, error=repr(exc))
