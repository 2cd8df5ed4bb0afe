"""Both ends of every Twilio webhook: the signature check first, so a forged request writes
nothing, and a TwiML document last."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from starlette.datastructures import FormData
from twilio.request_validator import RequestValidator

from ivr.config import get_ivr_settings

TWIML = "application/xml"


async def signed_form(request: Request) -> FormData:
    """The form, if and only if the Twilio signature over PUBLIC_URL + path + query holds."""
    settings = get_ivr_settings()
    form = await request.form()
    url = settings.webhook_url(request.url.path)
    if request.url.query:
        url += "?" + request.url.query
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not RequestValidator(settings.twilio_auth_token).validate(
        url, form, signature
    ):
        raise HTTPException(403, detail="Twilio 签名校验失败：请求未被处理")
    return form


Form = Annotated[FormData, Depends(signed_form)]


def twiml(body: str) -> Response:
    """A TwiML document as the webhook's answer."""
    return Response(content=body, media_type=TWIML)
