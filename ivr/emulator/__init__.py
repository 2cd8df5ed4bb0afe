"""A local Twilio: REST API, call and SMS lifecycles, TwiML, and scripted people."""

from ivr.emulator.app import create_emulator_app
from ivr.emulator.config import EmulatorConfig

__all__ = ["EmulatorConfig", "create_emulator_app"]
