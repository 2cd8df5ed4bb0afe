"""Every Twilio webhook under /twilio: thin handlers, each signature-checked and safe to repeat."""

from fastapi import APIRouter

from ivr import voice
from ivr.signature import Form, signed_form

router = APIRouter(prefix="/twilio", tags=["twilio"])
router.include_router(voice.router)

__all__ = ["Form", "router", "signed_form"]
