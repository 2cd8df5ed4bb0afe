"""The outlet appraisal: actual callback scores from enough people; nothing to fix is full marks."""

from collections.abc import Iterator
from datetime import date, datetime

import pytest
import time_machine
from sqlmodel import Session

from core_ledger.org.models import Outlet
from kernel.clock import centre_tz
from kernel.periods import parse_period
from scoring.config import get_scoring_settings
from scoring.inspections import FindingIn, record_inspection
from scoring.models import StepState
from scoring.performance import outlet_appraisals
from scoring.rectification import issue_letter, review_step, steps_of, submit_step
from tests.scoring.factories import S, U, V, outlet, rate

Q4 = parse_period("2026-Q4")
NOV = datetime(2026, 11, 10, 10, 0, tzinfo=centre_tz())


@pytest.fixture(autouse=True)
def today() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=centre_tz()), tick=False):
        yield


def _people(session: Session, at: Outlet, n: int, attitude: str, efficiency: str) -> None:
    for _ in range(n):
        rate(session, at, attitude, efficiency, when=NOV)


def _inspect(session: Session, at: Outlet, score: float, *findings: str) -> int:
    found = record_inspection(
        session,
        outlet_code=at.code,
        quarter="2026-Q4",
        score=score,
        inspected_on=date(2026, 11, 18),
        firm="湘评咨询",
        findings=[FindingIn(text) for text in findings],
        recorded_by="insp",
    )
    return found.id or 0


def _fixed_on_time(session: Session, inspection_id: int) -> None:
    letter = issue_letter(
        session, inspection_id=inspection_id, issued_on=date(2026, 11, 19), issued_by="boss"
    )
    for step in steps_of(session, letter_id=letter.id or 0):
        submit_step(session, step_id=step.id or 0, content="已整改", by="wd")
        if step.state == StepState.submitted:
            review_step(session, step_id=step.id or 0, accept=True, by="boss")


def test_a_clean_outlet_scores_no_less_than_one_whose_findings_were_fixed(
    session: Session,
) -> None:
    clean, fixed = outlet(session, "WD01"), outlet(session, "WD02")
    for at in (clean, fixed):
        _people(session, at, 20, S, S)  # 80 from twenty people
    _inspect(session, clean, 90)  # nothing found
    _fixed_on_time(session, _inspect(session, fixed, 90, "台账不全"))
    rows = {r.subject.code: r for r in outlet_appraisals(session, period=Q4)}
    # Both: 0.5×80 + 0.3×90 + 0.2×100 = 40 + 27 + 20 = 87. Before, the clean outlet had no
    # rectification part and scored (40 + 27) / 0.8 = 83.75, below the one that had findings.
    assert rows["WD01"].result.value == pytest.approx(87.0)
    assert rows["WD02"].result.value == pytest.approx(87.0)
    assert rows["WD01"].result.part("rectification").score == 100.0
    assert rows["WD01"].rectification is None  # no letter: full marks for nothing to rectify
    assert rows["WD01"].rank == rows["WD02"].rank == 1


def test_findings_not_yet_due_leave_rectification_out_and_say_so(session: Session) -> None:
    at = outlet(session, "WD01")
    _people(session, at, 20, V, V)
    _inspect(session, at, 70, "未摆放监督牌")  # no letter yet
    (row,) = outlet_appraisals(session, period=Q4)
    part = row.result.part("rectification")
    assert part.score is None and part.reason == "检查发现的问题整改尚未到期"


def test_an_outlet_not_inspected_has_neither_inspection_nor_rectification(
    session: Session,
) -> None:
    at = outlet(session, "WD01")
    _people(session, at, 20, V, V)
    (row,) = outlet_appraisals(session, period=Q4)
    assert row.result.missing == ("inspection", "rectification")
    assert row.result.part("inspection").reason == "本期无检查"
    assert row.result.value == 100.0


def test_the_callback_part_is_the_actual_score_not_the_shrunk_one(session: Session) -> None:
    good, poor = outlet(session, "WD01"), outlet(session, "WD02")
    _people(session, good, 20, V, V)  # 100
    _people(session, poor, 20, U, S)  # 40
    rows = {r.subject.code: r for r in outlet_appraisals(session, period=Q4)}
    # Ranking scores are pulled toward the centre (70): (800 + 700) / 30 = 50 for WD02.
    assert rows["WD02"].callback.summary.rank_score == pytest.approx(50.0)
    assert rows["WD02"].result.part("callback").score == pytest.approx(40.0)
    assert rows["WD01"].result.part("callback").score == pytest.approx(100.0)


def test_too_few_people_leave_the_callback_part_out_and_spread_its_weight(
    session: Session,
) -> None:
    few = outlet(session, "WD01")
    _people(session, few, 12, V, V)
    _inspect(session, few, 80)
    (row,) = outlet_appraisals(session, period=Q4)
    part = row.result.part("callback")
    assert part.score is None
    assert part.reason == "回访仅 12 人次，少于 20 人次，不计入"
    # 0.3 and 0.2 become 0.6 and 0.4: 0.6×80 + 0.4×100 (nothing found) = 88.
    assert row.result.value == pytest.approx(88.0)
    assert row.result.note is not None and "回访仅 12 人次" in row.result.note


def test_the_minimum_is_a_setting(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIFANG_APPRAISAL_MIN_PEOPLE", "10")
    get_scoring_settings.cache_clear()
    try:
        few = outlet(session, "WD01")
        _people(session, few, 12, V, S)
        (row,) = outlet_appraisals(session, period=Q4)
        assert row.result.part("callback").score == pytest.approx(90.0)
    finally:
        get_scoring_settings.cache_clear()
