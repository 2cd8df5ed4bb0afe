"""The web survey end to end: the invitation goes out through the emulator, the person taps the
link in it and answers in the browser (the emulator's person reads our HTML and submits it)."""

from collections.abc import Iterator
from typing import Any

import pytest

from callbacks.jobs import run_attempt
from callbacks.models import TaskStatus
from huifang.settings import clear_caches
from tests.conftest import Bind, Stack
from tests.ivr.sms.support import PHONE, messages, unanswered_task
from tests.ivr.web.support import answers, link_row, task

pytestmark = pytest.mark.committed


@pytest.fixture(params=["link", "both"])
def web_stack(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """The stack sending SMS surveys in a mode (settings are read when it starts)."""
    monkeypatch.setenv("HUIFANG_SMS_SURVEY_MODE", request.param)
    clear_caches()
    yield request.getfixturevalue("stack")
    monkeypatch.delenv("HUIFANG_SMS_SURVEY_MODE")
    clear_caches()


def _send(stack: Stack, engine: Bind, script: dict[str, Any]) -> int:
    stack.emulator("PUT", f"/_emulator/people/{PHONE}", json=script)
    task_id = unanswered_task(engine)
    assert run_attempt(task_id, 2) is not None
    stack.wait_idle()
    return task_id


def _visits(stack: Stack) -> list[dict[str, Any]]:
    found = stack.emulator("GET", f"/_emulator/people/{PHONE}/web")
    assert isinstance(found, list)
    return found


def test_a_person_answers_through_the_link_in_the_text(web_stack: Stack, engine: Bind) -> None:
    task_id = _send(
        web_stack, engine, {"answer": "no-answer", "sms_replies": ["web:1321 排队太久了"]}
    )
    [invitation] = [m for m in messages(engine) if m.purpose == "invitation"]
    assert f"{web_stack.app_url}/s/" in invitation.body
    [visit] = _visits(web_stack)
    assert visit["answered"] and visit["statuses"] == [200, 200], visit
    assert answers(engine, task_id) == {
        "attitude": ("very_satisfied", "web"),
        "efficiency": ("unsatisfied", "web"),
        "repeat_trip": ("yes", "web"),
        "favour_asked": ("no", "web"),
    }
    stored = task(engine, task_id)
    assert stored.status == TaskStatus.completed
    assert "排队太久了" in (stored.suggestion or "") and "办事效率不满意的原因" in (
        stored.suggestion or ""
    )
    assert link_row(engine, task_id).answered_at is not None


def test_a_favour_report_on_the_web_is_confirmed_then_filed(web_stack: Stack, engine: Bind) -> None:
    task_id = _send(web_stack, engine, {"answer": "no-answer", "sms_replies": ["web:1112"]})
    [visit] = _visits(web_stack)
    assert visit["statuses"] == [200, 200, 200] and visit["answered"], visit
    assert answers(engine, task_id)["favour_asked"] == ("yes", "web")


def test_opening_without_answering_is_counted_and_the_survey_still_waits(
    web_stack: Stack, engine: Bind
) -> None:
    task_id = _send(web_stack, engine, {"answer": "no-answer", "sms_replies": ["web-open"]})
    [visit] = _visits(web_stack)
    assert visit["statuses"] == [200] and not visit["answered"]
    link = link_row(engine, task_id)
    assert link.opened_at is not None and link.answered_at is None
    assert task(engine, task_id).status == TaskStatus.sms_sent
