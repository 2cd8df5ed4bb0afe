"""The demo's centre is seeded through the real ledger flows, whatever day the demo runs, and
leaves the managers' dashboard full: months of trends, every table with rows."""

import random
from datetime import datetime

import pytest
import time_machine
from sqlmodel import Session, select

from admin.dashboard.figures import latest_period
from admin.dashboard.page import build
from callbacks.models import CallbackTask, TaskKind
from callbacks.relay import relay_outbox
from callbacks.service import complete_survey, questions_for, record_operator_answer
from core_ledger.feed.models import FeedRecord
from core_ledger.journal.books import check_books
from core_ledger.journal.models import InterestSettlement
from huifang.demo.scoring import seed_evaluations
from huifang.demo.seed import OUTLETS, seed
from kernel.clock import centre_tz
from kernel.vocabulary import Question, answers_to
from tests.conftest import Bind

# The demo seeds an SQLite database: run there too.
pytestmark = pytest.mark.sqlite_too


@pytest.mark.parametrize(
    ("today", "settled"),
    [
        ("2026-11-26 10:00", True),  # the June settlement is behind the business month
        ("2026-07-02 10:00", False),  # the business month is June itself: it stays unsettled
    ],
)
def test_the_demo_seed_posts_a_month_of_business_that_balances(
    engine: Bind, today: str, settled: bool
) -> None:
    moment = datetime.strptime(today, "%Y-%m-%d %H:%M").replace(tzinfo=centre_tz())
    with time_machine.travel(moment, tick=False), Session(engine) as session:
        done = seed(session, depositors=40, rng=random.Random(7))
        relay_outbox(session)
        session.commit()
        assert done.withdrawals > 0 and done.loans > 0 and done.remittances > 0
        assert check_books(session) == []
        tasks = session.exec(select(CallbackTask)).all()
        assert len(tasks) >= done.withdrawals + done.loans + done.fed
        # The demo runs on both: its own ledger and the centre's core system (core_ledger.feed).
        assert done.fed > 0
        assert len(session.exec(select(FeedRecord)).all()) == done.fed
        assert bool(session.exec(select(InterestSettlement)).all()) is settled


def _answer_as_people_would(session: Session, rng: random.Random) -> int:
    """Most people answer (favourable answers likelier, as the demo's scripts have it)."""
    answered = 0
    for task in session.exec(select(CallbackTask).where(CallbackTask.kind == TaskKind.survey)):
        if rng.random() < 0.2:
            continue  # never reached: the task stays with the callbacks
        for question in questions_for(task):
            options = answers_to(Question(question))
            value = options[0] if rng.random() < 0.6 else rng.choice(options)
            record_operator_answer(session, task=task, question=question, value=value, actor="t")
        complete_survey(session, task=task, actor="t")
        answered += 1
    return answered


def test_the_demo_leaves_a_dashboard_full_of_data(engine: Bind) -> None:
    moment = datetime(2026, 11, 26, 10, 0, tzinfo=centre_tz())
    with time_machine.travel(moment, tick=False), Session(engine) as session:
        seed(session, depositors=150, rng=random.Random(12329))
        seed_evaluations(session, rng=random.Random(2026))
        relay_outbox(session)
        assert _answer_as_people_would(session, random.Random(5)) > 50
        session.commit()
        board = build(session, period=latest_period(session))
    assert board.period.key == "2026-11"  # the business month, not an empty one
    assert all(value != "—" for _, value in board.headline), board.headline
    trend = board.charts["trend"]
    assert isinstance(trend, dict) and trend["months"] == [
        "2026-08",
        "2026-09",
        "2026-10",
        "2026-11",
    ]
    for line in trend["series"]:
        assert sum(v is not None for v in line["data"]) >= 3, line
    tables = {table.key: table for table in board.tables}
    assert len(tables["ranking-outlet"].rows) == len(OUTLETS)
    assert all(row[2] is not None for row in tables["ranking-outlet"].rows)
    funnel = {str(row[0]): int(str(row[1])) for row in tables["funnel"].rows}
    assert funnel["应回访业务"] > funnel["完成回访"] > 0
    assert tables["exceptions"].rows, "unsatisfied answers became operators' cases"
    assert len(tables["ranking-department"].rows) == 3 and len(tables["ranking-leader"].rows) == 4
    inspections = tables["inspections"].rows
    assert len(inspections) == len(OUTLETS)
    assert {row[7] for row in inspections} >= {"无需整改", "整改完成"}
    assert len(tables["appraisal"].rows) == len(OUTLETS)
