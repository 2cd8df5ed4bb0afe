"""No English status words on any page: every stored value a page shows goes through a label.

Each page is rendered with data in many states, and its visible text (not attributes, styles or
scripts) is searched for the raw enum values we store: open, closed, loan, completed, no-answer …
"""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from itertools import chain

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from callbacks.cases import claim, escalate, verify
from callbacks.clarify import confirm_answer
from callbacks.models import AttemptStatus, CallbackException, ExceptionStatus, TaskKind, TaskStatus
from callbacks.service import record_answer, record_call_status
from callbacks.sla import PRIORITY
from callbacks.triage import open_exception
from core_ledger.org.models import Staff
from ivr.voice.models import RecordingPurpose, TranscriptStatus
from kernel.audit import AuditAction, record_audit
from kernel.auth import User
from kernel.clock import local_date, utcnow
from kernel.vocabulary import Answer, Channel, Question
from scoring.exclusions.appeals import file_appeal
from scoring.exclusions.models import AppealState, Finding
from scoring.inspections import FindingIn, record_inspection
from scoring.models import StepKind, StepState
from scoring.rectification import issue_letter
from scoring.service import record_callback_rating
from tests.callbacks.factories import business, ring_out, start
from tests.conftest import Bind, make_user

RAW_WORDS = {
    str(v)
    for v in chain(
        ExceptionStatus,
        TaskStatus,
        TaskKind,
        AttemptStatus,
        Finding,
        AppealState,
        StepState,
        StepKind,
        RecordingPurpose,
        TranscriptStatus,
        Answer,
        Question,
        Channel,
        PRIORITY,
        AuditAction,
        ("withdrawal", "loan", "depositor", "project_contact", "system", "twilio", "worker"),
    )
}
# Whole words only: "no" inside "nosniff" or a username is not a status word.
RAW = re.compile(
    r"(?<![\w-])(" + "|".join(map(re.escape, sorted(RAW_WORDS, key=len)[::-1])) + r")(?![\w-])"
)


class _Visible(HTMLParser):
    """The text a person sees: data outside <style> and <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._hidden += tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def raw_words(html: str) -> list[str]:
    """The raw enum values in a page's visible text."""
    parser = _Visible()
    parser.feed(html)
    return sorted(set(RAW.findall(" ".join(parser.parts))))


def test_the_checker_finds_what_it_looks_for() -> None:
    page = "<style>.open{}</style><p title='closed'>状态：open · 业务：loan</p><p>no-answer</p>"
    assert raw_words(page) == ["loan", "no-answer", "open"]
    assert raw_words("<p>已关闭 · 无人接听 · nosniff</p>") == []


def _world(engine: Bind) -> dict[str, int]:
    """Cases in every state, with attempts, a letter and an appeal; their ids."""
    with Session(engine) as session:
        at = datetime.now(UTC)
        (favour,) = business(session, at=at, phone="+8613800000101")
        attempt = start(session, favour)
        for question, value in (
            ("attitude", "unsatisfied"),
            ("efficiency", "satisfied"),
            ("repeat_trip", "yes"),
            ("favour_asked", "yes"),
        ):
            record_answer(
                session, attempt_id=attempt.id or 0, question=question, value=value, source="dtmf"
            )
        confirm_answer(session, task_id=favour.id or 0, actor="twilio")
        record_call_status(session, attempt_id=attempt.id or 0, status="completed", sequence=9)
        (loan,) = business(session, at=at, phone="+8613800000102", kind="loan")
        ring_out(session, loan)
        unreachable = open_exception(session, task=loan, reason="unreachable", actor="worker")
        claim(session, case_id=unreachable.id or 0, actor="op")
        escalate(session, case_id=unreachable.id or 0, actor="op", note="多次无人接听")
        ids = {"unreachable": unreachable.id or 0}
        for case in session.exec(select(CallbackException)):
            ids.setdefault(case.reason, case.id or 0)
        verify(session, case_id=ids["unsatisfied"], actor="op", finding="true", note="属实")
        verify(session, case_id=ids["repeat_trip"], actor="op", finding="untrue", note="不属实")
        outlet_id = favour.outlet_id
        t1 = Staff(code="T1", name="柜员甲", outlet_id=outlet_id, phone="+8613900000001")
        h1 = Staff(code="H1", name="负责人乙", outlet_id=outlet_id, phone="+8613900000002")
        session.add_all([t1, h1])
        session.flush()
        favour.teller_id = t1.id
        session.add(favour)
        rating = record_callback_rating(
            session,
            task_id=990_001,
            audience="depositor",
            outlet_id=outlet_id,
            teller_id=t1.id,
            business_at=at,
            answers={"attitude": "unsatisfied", "efficiency": "satisfied", "repeat_trip": "no"},
        )
        file_appeal(
            session, rating_id=rating.id or 0, outlet_id=outlet_id, evidence="有据", by="t1"
        )
        today = local_date(utcnow())
        inspection = record_inspection(
            session,
            outlet_code="WD01",
            quarter=f"{today.year}-Q{(today.month - 1) // 3 + 1}",
            score=80,
            inspected_on=today,
            firm="湘评咨询",
            findings=[FindingIn("未摆放监督牌"), FindingIn("离岗未放暂停牌", staff_code="T1")],
            recorded_by="insp",
        )
        issue_letter(session, inspection_id=inspection.id or 0, issued_on=today, issued_by="boss")
        for action in AuditAction:  # the audit log page shows each act in words
            record_audit(session, actor="op", action=action, subject="callback_task:1")
        session.commit()
        return ids


def _as(
    client: TestClient, engine: Bind, username: str, role: str, staff: str | None = None
) -> None:
    password = make_user(engine, username=username, role=role)
    if staff:
        with Session(engine) as session:
            user = session.exec(select(User).where(User.username == username)).one()
            user.staff_id = session.exec(select(Staff.id).where(Staff.code == staff)).one()
            session.add(user)
            session.commit()
    client.cookies.delete("huifang_token")
    form = {"username": username, "password": password}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


@pytest.mark.parametrize("state", ["open", "all", "closed", "escalated", "verified"])
def test_the_operators_pages_show_no_raw_words(
    client: TestClient, engine: Bind, state: str
) -> None:
    ids = _world(engine)
    _as(client, engine, "op", "operator")
    pages = [f"/exceptions?state={state}", *[f"/exceptions/{i}" for i in ids.values()]]
    for path in pages:
        page = client.get(path)
        assert page.status_code == 200, path
        assert raw_words(page.text) == [], path


@pytest.mark.parametrize(("role", "staff"), [("teller", "T1"), ("outlet_head", "H1")])
def test_the_outlet_pages_show_no_raw_words(
    client: TestClient, engine: Bind, role: str, staff: str
) -> None:
    _world(engine)
    _as(client, engine, "me", role, staff)
    for path in ("/my/results", "/my/inbox"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert raw_words(page.text) == [], path


EVERY_PAGE = [
    "/rankings",
    "/rankings/outlet/WD01",
    "/rankings/red-flags",
    "/rankings/appraisal",
    "/rankings/alerts",
    "/rankings/project-contacts",
    "/appeals",
    "/callbacks/metrics",
    "/dashboard",
    "/inspections",
    "/inspections/common",
    "/inspections/new",
    "/attendance",
    "/audit",
]


def test_every_other_page_shows_no_raw_words(client: TestClient, engine: Bind) -> None:
    _world(engine)
    _as(client, engine, "root", "admin")
    leaks = {}
    for path in EVERY_PAGE:
        page = client.get(path)
        assert page.status_code == 200, path
        if found := raw_words(page.text):
            leaks[path] = found
    assert leaks == {}
