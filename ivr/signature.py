"""The Twilio signature check every webhook runs first: a forged request writes nothing."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.datastructures import FormData
from twilio.request_validator import RequestValidator

from ivr.config import get_ivr_settings


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
