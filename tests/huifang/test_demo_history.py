"""The demo's earlier months come in as the hotline's own past callbacks (历史人工回访导入);
only the latest month is called live, so the dashboard has a past the moment the demo starts."""

import random
from datetime import UTC, datetime

import pytest
import time_machine
from sqlmodel import Session, col, func, select

from callbacks.models import CallbackTask, SurveyAnswer, TaskEvent, TaskStatus
from huifang.demo.history import ACTOR, import_history
from huifang.demo.seed import seed
from kernel.clock import centre_tz
from scoring.models import CallbackRating
from tests.conftest import Bind

pytestmark = pytest.mark.sqlite_too


def test_earlier_months_are_imported_and_the_latest_is_left_to_call(engine: Bind) -> None:
    moment = datetime(2026, 11, 26, 10, 0, tzinfo=centre_tz())
    live_from = datetime(2026, 11, 1, tzinfo=centre_tz()).astimezone(UTC)
    with time_machine.travel(moment, tick=False), Session(engine) as session:
        seed(session, depositors=80, rng=random.Random(12329))
        imported = import_history(session, before=live_from, rng=random.Random(7))
        session.commit()
        earlier = session.exec(
            select(CallbackTask).where(col(CallbackTask.business_at) < live_from)
        ).all()
        latest = session.exec(
            select(CallbackTask).where(col(CallbackTask.business_at) >= live_from)
        ).all()
        completed = [t for t in earlier if t.status == TaskStatus.completed]
        assert imported == len(completed) > 0.8 * len(earlier)
        # The rest of the earlier months, and all of the latest, wait for live calls.
        assert all(t.status == TaskStatus.scheduled for t in earlier if t not in completed)
        assert latest and all(t.status == TaskStatus.scheduled for t in latest)
        # Through the one completion path: each imported survey rated once, by the hotline.
        ids = [t.id for t in completed]
        ratings = session.exec(
            select(func.count()).where(col(CallbackRating.task_id).in_(ids))
        ).one()
        assert ratings == len([t for t in completed if t.kind != "rectification"])
        sources = set(
            session.exec(select(SurveyAnswer.source).where(col(SurveyAnswer.task_id).in_(ids)))
        )
        assert sources == {"operator"}
        actors = set(session.exec(select(TaskEvent.actor).where(col(TaskEvent.task_id).in_(ids))))
        assert ACTOR in actors
        # Running it again never answers a completed survey twice.
        answers = session.exec(select(func.count()).select_from(SurveyAnswer)).one()
        again = import_history(session, before=live_from, rng=random.Random(8))
        added = session.exec(select(func.count()).select_from(SurveyAnswer)).one() - answers
        assert again <= len(earlier) - len(completed) and added == again * 4
