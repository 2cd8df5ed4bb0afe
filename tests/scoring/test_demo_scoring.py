"""The demo's evaluations and inspections are real data the ranking engine ranks."""

import random

from sqlmodel import Session, select

from huifang.demo.scoring import seed_evaluations
from kernel.clock import local_date, utcnow
from kernel.periods import month
from scoring.attendance.models import AttendanceRecord
from scoring.evaluations import evaluation_ranking
from scoring.models import EvaluationAnswer, Inspection, InspectionFinding
from tests.scoring.factories import outlet, teller


def test_seeded_centre_ranks_departments_and_leaders(session: Session) -> None:
    for code in ("WD01", "WD02", "WD03"):
        at = outlet(session, code)
        teller(session, at, f"{code}-01")
    done = seed_evaluations(session, rng=random.Random(7))
    # 3 outlet raters × (3 departments + 4 leaders) + 3 department and 3 manager raters × 4.
    assert done.ballots == 3 * 7 + 6 * 4
    answers = session.exec(select(EvaluationAnswer)).all()
    assert len(answers) == done.ballots * 3
    assert all(a.reason for a in answers if a.tier == "unsatisfied")
    today = local_date(utcnow())
    period = (
        month(today.year, today.month)
        if today.day >= 5
        else month(today.year, today.month).previous()
    )
    departments = evaluation_ranking(session, kind="department", period=period)
    assert [row.responses for row in departments] == [3, 3, 3]
    assert len(evaluation_ranking(session, kind="leader", period=period)) == 4
    # This quarter's inspections and last quarter's; every finding tagged with its category.
    assert len(session.exec(select(Inspection)).all()) == 6 == done.inspections
    findings = session.exec(select(InspectionFinding)).all()
    assert findings and all(f.area for f in findings)
    assert done.attendance == 3 and len(session.exec(select(AttendanceRecord)).all()) == 3
