"""Point 8 of issue 15: the opt-out words Twilio acts on, OptOutType keeping our list in step
with Twilio's, START to opt back in, and sending through a Messaging Service."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from callbacks.jobs import run_attempt
from callbacks.models import TaskStatus
from callbacks.optout import add_do_not_call
from huifang.settings import clear_caches
from ivr.config import get_ivr_settings
from ivr.sms.reply import parse_reply
from tests.conftest import Bind, Stack
from tests.ivr.sms.support import signature, unanswered_task
from tests.ivr.twilio.support import do_not_call, task_of, use_settings


@pytest.fixture
def twilio(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    use_settings(monkeypatch, voice_attempts="1")
    yield stack
    clear_caches()


def _messages(stack: Stack, phone: str) -> list[dict[str, Any]]:
    found = stack.emulator("GET", "/_emulator/messages")
    assert isinstance(found, list)
    return [m for m in found if phone in (m["to"], m["from"])]


OPT_OUT_WORDS = ["STOP", "stopall", "Unsubscribe", "CANCEL", "end", "QUIT", "退订"]


@pytest.mark.parametrize("word", OPT_OUT_WORDS)
def test_twilios_opt_out_words_and_ours_opt_out(word: str) -> None:
    assert parse_reply(f" {word}。").kind == "opt_out"
    assert parse_reply(f"{word} 太慢了").kind != "opt_out"  # inside a sentence it is words


@pytest.mark.parametrize("word", ["START", "unstop"])
def test_start_and_unstop_opt_back_in(word: str) -> None:
    assert parse_reply(word).kind == "opt_in"


def test_stop_keeps_our_list_in_step_with_twilios(twilio: Stack, engine: Bind) -> None:
    phone = "+8613800000601"
    twilio.emulator("PUT", f"/_emulator/people/{phone}", json={"sms_replies": ["STOP"]})
    task_id = unanswered_task(engine, phone=phone)
    assert run_attempt(task_id, 2) is not None
    twilio.wait_idle()
    task = task_of(engine, task_id)
    assert (task.status, task.close_reason) == (TaskStatus.closed, "opted_out")
    assert phone in do_not_call(engine)
    inbound = [m for m in _messages(twilio, phone) if m["direction"] == "inbound"]
    assert inbound and "<Message" not in inbound[0]["events"][0]["answer"]  # Twilio confirms
    account = twilio.emulator("GET", "/_emulator/account")
    assert isinstance(account, dict) and phone in account["state"]["opted_out"]


def test_start_lifts_an_sms_opt_out_but_not_an_operators_entry(twilio: Stack, engine: Bind) -> None:
    texted, asked = "+8613800000602", "+8613800000603"
    with Session(engine) as session:
        add_do_not_call(session, phone=texted, reason="opted_out", actor="sms")
        add_do_not_call(session, phone=asked, reason="requested", actor="op1")
        session.commit()
    for n, phone in enumerate((texted, asked)):
        _inbound(twilio, phone, "START", sid=f"SM{n:032d}")
    listed = do_not_call(engine)
    assert texted not in listed and asked in listed


def _inbound(stack: Stack, phone: str, body: str, *, sid: str) -> None:
    """The person texts START; Twilio acted on it and says so (OptOutType), signed."""
    form = {
        "MessageSid": sid,
        "From": phone,
        "To": get_ivr_settings().twilio_from_number,
        "Body": body,
        "OptOutType": "START",
    }
    url = f"{stack.app_url}/twilio/sms/inbound"
    path = "/twilio/sms/inbound"
    response = httpx.post(url, data=form, headers={"X-Twilio-Signature": signature(path, form)})
    assert response.status_code == 200, response.text


def test_texts_go_through_a_messaging_service_when_set(
    twilio: Stack, engine: Bind, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, voice_attempts="1", twilio_messaging_service_sid="MG" + "a" * 32)
    phone = "+8613800000604"
    task_id = unanswered_task(engine, phone=phone)
    assert run_attempt(task_id, 2) is not None
    twilio.wait_idle()
    [sent] = [m for m in _messages(twilio, phone) if m["direction"] == "outbound-api"]
    assert sent["messaging_service_sid"] == "MG" + "a" * 32
    assert sent["status"] == "delivered"
