"""问题交办函 → 问题整改报告 → 个人检查: each step with a due date and a state."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from core_ledger.org.models import Outlet, Staff
from kernel.clock import local_date, utcnow
from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from kernel.periods import Period
from scoring.config import get_scoring_settings
from scoring.inspections import findings_of, get_inspection
from scoring.models import (
    STEP_NAMES,
    STEP_ORDER,
    STEP_STATE_NAMES,
    IssueLetter,
    RectificationStep,
    StepKind,
    StepState,
)


def issue_letter(
    session: Session, *, inspection_id: int, issued_on: date, issued_by: str
) -> IssueLetter:
    """Send an outlet the issue letter for an inspection's findings and set every due date."""
    inspection = get_inspection(session, inspection_id=inspection_id)
    if session.exec(select(IssueLetter).where(IssueLetter.inspection_id == inspection_id)).first():
        raise Conflict(f"检查记录 #{inspection_id} 已下达问题交办函")
    findings = findings_of(session, inspection_id=inspection_id)
    if not findings:
        raise Invalid(f"检查记录 #{inspection_id} 没有发现问题，无需下达问题交办函")
    if issued_on < inspection.inspected_on:
        raise Invalid(f"交办日期 {issued_on} 早于检查日期 {inspection.inspected_on}")
    outlet = session.get(Outlet, inspection.outlet_id)
    assert outlet is not None
    letter = IssueLetter(
        number=f"JB-{inspection.quarter}-{outlet.code}",
        inspection_id=inspection_id,
        outlet_id=outlet.id or 0,
        issued_on=issued_on,
        issued_by=issued_by,
    )
    session.add(letter)
    session.flush()
    settings = get_scoring_settings()
    steps: list[tuple[StepKind, int | None, int]] = [
        (StepKind.issue_letter, None, settings.LETTER_RECEIPT_DAYS),
        (StepKind.rectification_report, None, settings.RECTIFICATION_REPORT_DAYS),
    ]
    # 个人检查 from each person a finding names; one from the outlet head when nobody was named.
    people: list[int | None] = [*sorted({f.staff_id for f, _ in findings if f.staff_id})]
    for staff_id in people or [None]:
        steps.append((StepKind.personal_statement, staff_id, settings.PERSONAL_STATEMENT_DAYS))
    for kind, staff_id, days in steps:
        session.add(
            RectificationStep(
                letter_id=letter.id or 0,
                kind=kind,
                staff_id=staff_id,
                due_on=issued_on + timedelta(days=days),
            )
        )
    session.flush()
    return letter


def _step(session: Session, step_id: int) -> tuple[RectificationStep, IssueLetter]:
    step = session.get(RectificationStep, step_id)
    if step is None:
        raise NotFound(f"找不到整改步骤 #{step_id}")
    letter = session.get(IssueLetter, step.letter_id)
    assert letter is not None
    return step, letter


def steps_of(session: Session, *, letter_id: int) -> list[RectificationStep]:
    """A letter's steps in workflow order."""
    steps = session.exec(
        select(RectificationStep).where(RectificationStep.letter_id == letter_id)
    ).all()
    return sorted(steps, key=lambda s: (STEP_ORDER.index(StepKind(s.kind)), s.staff_id or 0))


def submit_step(session: Session, *, step_id: int, content: str, by: str) -> RectificationStep:
    """The outlet signs for the letter, or hands in its report or a personal statement."""
    step, letter = _step(session, step_id)
    if step.state in (StepState.submitted, StepState.accepted):
        state = STEP_STATE_NAMES[StepState(step.state)]
        raise Conflict(f"该步骤已提交（{state}），无需重复提交")
    kind = StepKind(step.kind)
    if kind is not StepKind.issue_letter and not content.strip():
        raise Invalid("请填写报告内容")
    position = STEP_ORDER.index(kind)
    for earlier in steps_of(session, letter_id=letter.id or 0):
        if STEP_ORDER.index(StepKind(earlier.kind)) < position and earlier.state not in (
            StepState.submitted,
            StepState.accepted,
        ):
            raise Conflict(f"请先完成上一步：{STEP_NAMES[StepKind(earlier.kind)]}")
    step.content = content.strip() or None
    step.submitted_at, step.submitted_by = utcnow(), by
    # Signing for the letter needs no review: receipt is the whole step.
    step.state = StepState.accepted if kind is StepKind.issue_letter else StepState.submitted
    session.add(step)
    _close_if_done(session, letter)
    session.flush()
    return step


def check_submitter(
    session: Session, *, step_id: int, staff_id: int | None, outlet_head: bool
) -> None:
    """Only the outlet's own people act on its letter; a 个人检查 only by the person it names.

    The outlet head signs for the letter and writes the report (整改报告); a personal statement
    is written by the member of staff a finding names, or by the head when none was named.
    """
    step, letter = _step(session, step_id)
    staff = session.get(Staff, staff_id) if staff_id else None
    if staff is None or staff.outlet_id != letter.outlet_id:
        raise Forbidden(f"问题交办函 {letter.number} 只能由被交办网点的工作人员办理")
    kind = StepKind(step.kind)
    if kind is StepKind.personal_statement and step.staff_id is not None:
        if step.staff_id != staff.id:
            owner = staff_name(session, step.staff_id)
            raise Forbidden(f"个人检查只能由本人（{owner}）提交")
        return
    if not outlet_head:
        raise Forbidden(f"{STEP_NAMES[kind]}由网点负责人提交")


def review_step(
    session: Session, *, step_id: int, accept: bool, by: str, note: str | None = None
) -> RectificationStep:
    """The centre accepts a report or statement, or returns it to be rewritten (with why)."""
    step, letter = _step(session, step_id)
    if step.state != StepState.submitted:
        state = STEP_STATE_NAMES[StepState(step.state)]
        raise Conflict(f"只有已提交待审核的步骤可以审核，当前状态：{state}")
    if not accept and not (note or "").strip():
        raise Invalid("退回时请说明需要补充或修改的内容")
    step.state = StepState.accepted if accept else StepState.returned
    step.reviewed_at, step.reviewed_by, step.review_note = (
        utcnow(),
        by,
        (note or "").strip() or None,
    )
    session.add(step)
    _close_if_done(session, letter)
    session.flush()
    return step


def _close_if_done(session: Session, letter: IssueLetter) -> None:
    session.flush()
    steps = steps_of(session, letter_id=letter.id or 0)
    if steps and all(s.state == StepState.accepted for s in steps):
        letter.closed_at = utcnow()
        session.add(letter)


def on_time(step: RectificationStep) -> bool:
    """Whether the accepted version of a step was handed in by its due date (local)."""
    return step.submitted_at is not None and local_date(step.submitted_at) <= step.due_on


def overdue(step: RectificationStep, *, today: date | None = None) -> bool:
    """A step not handed in whose due date has passed."""
    today = today or local_date(utcnow())
    return step.state in (StepState.pending, StepState.returned) and today > step.due_on


@dataclass(frozen=True)
class RectificationTally:
    """整改 for one outlet and period: letters due, and those closed with every step on time."""

    total: int
    closed_on_time: int


def rectification_tally(session: Session, *, period: Period) -> dict[int, RectificationTally]:
    """Per outlet: letters whose last due date falls in the period and has come (or closed)."""
    today = local_date(utcnow())
    per_outlet: dict[int, list[int]] = {}
    for letter in session.exec(select(IssueLetter).order_by(col(IssueLetter.id))):
        steps = steps_of(session, letter_id=letter.id or 0)
        last_due = max(s.due_on for s in steps)
        if not period.contains(last_due) or (last_due >= today and letter.closed_at is None):
            continue  # not in this period, or still has time to finish
        done = letter.closed_at is not None and all(on_time(s) for s in steps)
        tally = per_outlet.setdefault(letter.outlet_id, [0, 0])
        tally[0] += 1
        tally[1] += int(done)
    return {k: RectificationTally(total=t, closed_on_time=c) for k, (t, c) in per_outlet.items()}


def staff_name(session: Session, staff_id: int | None) -> str | None:
    """The name of the person a personal statement is owed by."""
    staff = session.get(Staff, staff_id) if staff_id else None
    return f"{staff.name}（{staff.code}）" if staff else None
