"""The demo's centre is seeded through the real ledger flows, whatever day the demo runs."""

import random
from datetime import datetime

import pytest
import time_machine
from sqlmodel import Session, select

from callbacks.models import CallbackTask
from callbacks.relay import relay_outbox
from core_ledger.journal.books import check_books
from core_ledger.journal.models import InterestSettlement
from huifang.demo.seed import seed
from kernel.clock import centre_tz
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
        assert len(tasks) >= done.withdrawals + done.loans
        assert bool(session.exec(select(InterestSettlement)).all()) is settled
