"""The worker's reconciler: callbacks, lost transcriptions and the monthly 约谈 check."""

from datetime import datetime, timedelta

import pytest
from redis import Redis
from sqlmodel import Session, select

from callbacks import channel
from callbacks.models import CallAttempt
from core_ledger.config import get_ledger_settings
from core_ledger.loans import service as loans
from core_ledger.loans.models import Loan
from huifang.worker import ALERT_CHECK_SECONDS, Reconciler, last_closed_month
from ivr.config import get_ivr_settings
from ivr.twilio.channel import TwilioChannel
from ivr.voice.models import RecordingPurpose, VoiceRecording
from kernel.clock import centre_tz, utcnow
from kernel.periods import month
from kernel.queue import get_queue
from scoring.models import RankingAlert
from tests.conftest import Bind
from tests.core_ledger.conftest import make_centre
from tests.ivr.voice.support import an_attempt
from tests.scoring.factories import S, U, V, outlet, rate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_last_closed_month_is_the_month_before_this_one_in_the_centre() -> None:
    today = utcnow().astimezone(centre_tz()).date()
    before = today.replace(day=1) - timedelta(days=1)
    assert last_closed_month() == month(before.year, before.month)


def test_a_tick_raises_the_alert_for_an_outlet_last_two_months_running(
    engine: Bind, redis: Redis
) -> None:
    closed = last_closed_month()
    with Session(engine) as session:
        good, poor = outlet(session, "WD01"), outlet(session, "WD02")
        for period in (closed.previous(), closed):
            when = datetime.combine(period.first_day, datetime.min.time(), centre_tz())
            # Eight people each: enough for the poor outlet's interval to sit below the centre.
            for _ in range(8):
                rate(session, good, V, V, when=when + timedelta(days=3, hours=10))
                rate(session, poor, U, S, when=when + timedelta(days=3, hours=10))
        session.commit()
        poor_id = poor.id
    clock = Clock()
    reconciler = Reconciler(get_queue(redis), clock=clock)
    assert reconciler.tick()["alerts"] == 1
    assert "alerts" not in reconciler.tick()  # not again within the hour
    clock.now += ALERT_CHECK_SECONDS
    assert reconciler.tick()["alerts"] == 1  # checked again, still raised once
    with Session(engine) as session:
        [alert] = session.exec(select(RankingAlert)).all()
    assert (alert.outlet_id, alert.period) == (poor_id, closed.key)


def test_a_tick_requeues_a_transcription_whose_job_was_lost(engine: Bind, redis: Redis) -> None:
    attempt = an_attempt(engine)
    with Session(engine) as session:
        row = session.get(CallAttempt, attempt)
        assert row is not None
        recording = VoiceRecording(
            task_id=row.task_id,
            attempt_id=attempt,
            call_sid=row.provider_sid or "CA0",
            purpose=RecordingPurpose.suggestion,
            recording_sid="RE1",
            recording_url="http://127.0.0.1:9/Recordings/RE1",
            created_at=utcnow() - timedelta(minutes=30),
        )
        session.add(recording)
        session.commit()
        recording_id = recording.id
    queue = get_queue(redis)
    stats = Reconciler(queue).tick()
    assert stats["transcriptions"] == 1
    assert f"transcribe-{recording_id}" in queue.job_ids


def test_the_hourly_pass_reprices_loans_once_the_rate_changed(
    engine: Bind, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:

    today = utcnow().astimezone(centre_tz()).date()
    lent = utcnow() - timedelta(days=(today - today.replace(month=1, day=1)).days + 45)
    with Session(engine) as session:
        centre = make_centre(session)
        centre.contribute(months=24)
        loan = loans.post_loan(
            session,
            account_no=centre.accounts[0],
            project_code="LP01",
            amount_fen=10_000_000,
            term_months=120,
            outlet_code="WD01",
            teller_code="T01",
            idempotency_key="worker-loan",
            occurred_at=lent,
        )
        session.commit()
        loan_id = loan.id
    # Wired as the worker is (no call is due: the channel is never used).
    monkeypatch.setattr(channel, "_channel", TwilioChannel(get_ivr_settings()))
    clock = Clock()
    reconciler = Reconciler(get_queue(redis), clock=clock)
    assert reconciler.tick()["repriced_loans"] == 0  # the rate has not changed
    monkeypatch.setenv("HUIFANG_LOAN_RATE_FIRST_HOME_LONG", "0.0285")
    get_ledger_settings.cache_clear()
    try:
        assert "repriced_loans" not in reconciler.tick()  # not again within the hour
        clock.now += ALERT_CHECK_SECONDS
        assert reconciler.tick()["repriced_loans"] == 1
        clock.now += ALERT_CHECK_SECONDS
        assert reconciler.tick()["repriced_loans"] == 0  # once a year
    finally:
        get_ledger_settings.cache_clear()
    with Session(engine) as session:
        assert str(session.get(Loan, loan_id).annual_rate) == "0.0285"  # type: ignore[union-attr]
