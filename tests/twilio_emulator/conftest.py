"""Fixtures of the emulator tests: a live harness per test module, and the Twilio SDK on it."""

from collections.abc import Iterator

import pytest
from twilio.rest import Client

from tests.twilio_emulator.harness import ACCOUNT_SID, AUTH_TOKEN, Harness, start_harness


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    """A webhook and an emulator for one test module."""
    yield start_harness()


@pytest.fixture(scope="module")
def twilio(harness: Harness) -> Client:
    """The official Twilio SDK pointed at the emulator."""
    client = Client(ACCOUNT_SID, AUTH_TOKEN)
    client.api.base_url = harness.emulator_url
    return client
