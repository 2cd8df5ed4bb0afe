"""Inspections, the issue letter workflow, and the appraisal composite they feed."""

from collections.abc import Iterator
from datetime import date, datetime

import pytest
import time_machine
from sqlmodel import Session

from kernel.clock import centre_tz
from kernel.errors import Conflict, Invalid, NotFound
from kernel.periods import parse_period
from scoring.inspections import FindingIn, add_photo, findings_of, photo_path, record_inspection
from scoring.models import StepKind, StepState
from scoring.performance import outlet_appraisals, parse_weights
from scoring.rectification import (
    issue_letter,
    overdue,
    rectification_tally,
    review_step,
    steps_of,
    submit_step,
)
from tests.scoring.factories import S, V, outlet, rate, teller

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
Q4 = parse_period("2026-Q4")


@pytest.fixture(autouse=True)
def today() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=centre_tz()), tick=False):
        yield


def _inspect(session: Session, code: str, score: float, on: date, *findings: FindingIn) -> int:
    inspection = record_inspection(
        session,
        outlet_code=code,
        quarter="2026-Q4",
        score=score,
        inspected_on=on,
        firm="湘评咨询",
        findings=list(findings),
        recorded_by="insp",
    )
    return inspection.id or 0


def test_bad_inspections_are_refused(session: Session) -> None:
    outlet(session, "WD01")
    with pytest.raises(Invalid, match="0 到 100"):
        _inspect(session, "WD01", 101, date(2026, 11, 2))
    with pytest.raises(Invalid, match="不在2026年第4季度"):
        _inspect(session, "WD01", 90, date(2026, 9, 30))
    with pytest.raises(Invalid, match="晚于今天"):
        _inspect(session, "WD01", 90, date(2026, 12, 1))
    with pytest.raises(NotFound, match="WD09"):
        _inspect(session, "WD09", 90, date(2026, 11, 2))
    with pytest.raises(Invalid, match="YYYY-Qn"):
        record_inspection(
            session,
            outlet_code="WD01",
            quarter="2026-11",
            score=90,
            inspected_on=date(2026, 11, 2),
            firm="x",
            recorded_by="insp",
        )
    _inspect(session, "WD01", 90, date(2026, 11, 2))
    with pytest.raises(Conflict, match="每季度一次"):
        _inspect(session, "WD01", 91, date(2026, 11, 3))


def test_photos_are_checked_and_kept_once(session: Session) -> None:
    outlet(session, "WD01")
    inspection_id = _inspect(session, "WD01", 80, date(2026, 11, 2), FindingIn("叫号机故障"))
    ((finding, _),) = findings_of(session, inspection_id=inspection_id)
    with pytest.raises(Invalid, match="JPEG、PNG 或 WebP"):
        add_photo(
            session,
            finding_id=finding.id or 0,
            filename="a.pdf",
            content_type="application/pdf",
            data=PNG,
        )
    with pytest.raises(Invalid, match="不是 image/jpeg"):
        add_photo(
            session,
            finding_id=finding.id or 0,
            filename="a.jpg",
            content_type="image/jpeg",
            data=PNG,
        )
    first = add_photo(
        session, finding_id=finding.id or 0, filename="大厅.png", content_type="image/png", data=PNG
    )
    again = add_photo(
        session, finding_id=finding.id or 0, filename="copy.png", content_type="image/png", data=PNG
    )
    assert first.id == again.id
    _, path = photo_path(session, photo_id=first.id or 0)
    assert path.read_bytes() == PNG
    ((_, photos),) = findings_of(session, inspection_id=inspection_id)
    assert [p.filename for p in photos] == ["大厅.png"]


def test_letter_steps_have_due_dates_states_and_an_order(session: Session) -> None:
    a = outlet(session, "WD01")
    t1 = teller(session, a, "T1")
    inspection_id = _inspect(
        session,
        "WD01",
        85,
        date(2026, 11, 10),
        FindingIn("柜台未摆放服务监督牌"),
        FindingIn("柜员离岗未放暂停服务牌", staff_code="T1"),
    )
    letter = issue_letter(
        session, inspection_id=inspection_id, issued_on=date(2026, 11, 11), issued_by="boss"
    )
    assert letter.number == "JB-2026-Q4-WD01"
    steps = steps_of(session, letter_id=letter.id or 0)
    assert [(s.kind, s.due_on, s.staff_id) for s in steps] == [
        (StepKind.issue_letter, date(2026, 11, 14), None),
        (StepKind.rectification_report, date(2026, 11, 26), None),
        (StepKind.personal_statement, date(2026, 11, 26), t1.id),
    ]
    receipt, report, statement = steps
    assert overdue(receipt) and not overdue(report)  # today is 20 November
    with pytest.raises(Conflict, match="已下达"):
        issue_letter(
            session, inspection_id=inspection_id, issued_on=date(2026, 11, 12), issued_by="b"
        )
    with pytest.raises(Conflict, match="上一步"):
        submit_step(session, step_id=report.id or 0, content="已整改", by="wd01")
    submit_step(session, step_id=receipt.id or 0, content="", by="wd01")
    assert receipt.state == StepState.accepted
    with pytest.raises(Invalid, match="报告内容"):
        submit_step(session, step_id=report.id or 0, content=" ", by="wd01")
    submit_step(session, step_id=report.id or 0, content="已摆放监督牌并建立检查制度", by="wd01")
    with pytest.raises(Invalid, match="退回时请说明"):
        review_step(session, step_id=report.id or 0, accept=False, by="boss")
    review_step(session, step_id=report.id or 0, accept=False, by="boss", note="请附整改照片")
    assert report.state == StepState.returned
    with pytest.raises(Conflict, match="待审核"):
        review_step(session, step_id=report.id or 0, accept=True, by="boss")
    submit_step(session, step_id=report.id or 0, content="已整改，附照片", by="wd01")
    review_step(session, step_id=report.id or 0, accept=True, by="boss")
    submit_step(session, step_id=statement.id or 0, content="本人离岗未放暂停牌，已改正", by="t1")
    assert letter.closed_at is None
    review_step(session, step_id=statement.id or 0, accept=True, by="boss")
    assert letter.closed_at is not None


def _close_on_time(session: Session, letter_id: int) -> None:
    for step in steps_of(session, letter_id=letter_id):
        submit_step(session, step_id=step.id or 0, content="已完成", by="wd")
        if step.state == StepState.submitted:
            review_step(session, step_id=step.id or 0, accept=True, by="boss")


def test_appraisal_weighs_callbacks_inspection_and_rectification_on_time(
    session: Session, no_shrinkage: None
) -> None:
    a, b, c = outlet(session, "WD01"), outlet(session, "WD02"), outlet(session, "WD03")
    for _ in range(20):  # enough people (HUIFANG_APPRAISAL_MIN_PEOPLE) for the part to count
        rate(session, a, V, S)  # 90
        rate(session, b, S, S)  # 80
        rate(session, c, V, V)  # 100
    on_time = issue_letter(
        session,
        inspection_id=_inspect(session, "WD01", 85, date(2026, 11, 18), FindingIn("卫生差")),
        issued_on=date(2026, 11, 19),  # receipt due 22 Nov, the rest 4 Dec: all done today
        issued_by="boss",
    )
    _close_on_time(session, on_time.id or 0)
    # WD02's letter was due on 24 October and nothing came back: counted, not on time.
    issue_letter(
        session,
        inspection_id=_inspect(session, "WD02", 70, date(2026, 10, 8), FindingIn("着装不规范")),
        issued_on=date(2026, 10, 9),
        issued_by="boss",
    )
    tally = rectification_tally(session, period=Q4)
    assert (tally[a.id or 0].total, tally[a.id or 0].closed_on_time) == (1, 1)
    assert (tally[b.id or 0].total, tally[b.id or 0].closed_on_time) == (1, 0)

    rows = {r.subject.code: r for r in outlet_appraisals(session, period=Q4)}
    # WD01: 0.5×90 + 0.3×85 + 0.2×100 = 45 + 25.5 + 20 = 90.5
    assert rows["WD01"].result.value == pytest.approx(90.5)
    contributions = [p.contribution for p in rows["WD01"].result.parts]
    assert contributions == [pytest.approx(45), pytest.approx(25.5), pytest.approx(20), None]
    # WD02: 0.5×80 + 0.3×70 + 0.2×0 = 61
    assert rows["WD02"].result.value == pytest.approx(61.0)
    # WD03 has only callbacks: the other weights are missing, callback carries it all.
    assert rows["WD03"].result.value == pytest.approx(100.0)
    assert rows["WD03"].result.missing == ("inspection", "rectification")
    assert [rows[k].rank for k in ("WD03", "WD01", "WD02")] == [1, 2, 3]

    what_if = parse_weights("callback=0.6, inspection=0.4, rectification=0")
    rows = {r.subject.code: r for r in outlet_appraisals(session, period=Q4, weights=what_if)}
    assert rows["WD01"].result.value == pytest.approx(0.6 * 90 + 0.4 * 85)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("callback=0.5,inspection=0.3,rectification=0.3", "之和应为 1"),
        ("callback=0.5,inspection=0.5", "缺少：rectification"),
        ("callback=half,inspection=0.5,rectification=0", "应为数字"),
        ("bonus=1", "无法识别"),
    ],
)
def test_weights_that_do_not_add_up_are_refused(text: str, words: str) -> None:
    with pytest.raises(Invalid, match=words):
        parse_weights(text)
