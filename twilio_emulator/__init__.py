"""A local Twilio: REST API, call and SMS lifecycles, TwiML, and scripted people."""

from twilio_emulator.app import create_emulator_app
from twilio_emulator.config import EmulatorConfig

__all__ = ["EmulatorConfig", "create_emulator_app"]
