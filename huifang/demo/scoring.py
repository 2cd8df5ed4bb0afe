"""Demo data for the ranking engine: departments, leaders, managers, a round of ballots,
two quarters' third-party inspections (the latest with their issue letters), a month's
attendance."""

import random
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO

from openpyxl import Workbook
from sqlmodel import Session, col, select

from core_ledger.org.models import Outlet, Staff
from core_ledger.org.service import create_department, create_leader, create_manager
from huifang.demo.seed import business_month
from kernel.auth import create_user
from kernel.clock import centre_tz, local_date, utcnow
from kernel.periods import Period, month, quarter_of
from scoring.attendance.imports import import_attendance
from scoring.evaluations import cast_ballot, open_round, register_rater
from scoring.inspections import FindingIn, findings_of, mark_rectified, record_inspection
from scoring.models import Inspection, Rater, StepKind
from scoring.rectification import issue_letter, review_step, steps_of, submit_step

DEPARTMENTS = [("KS01", "归集管理科"), ("KS02", "信贷管理科"), ("KS03", "财务审计科")]
LEADERS = [
    ("LD01", "周建国", "主任", "全面工作"),
    ("LD02", "陈丽华", "副主任", "归集、提取"),
    ("LD03", "刘志强", "副主任", "贷款、财务"),
    ("LD04", "黄敏", "纪检组长", "纪检监察、第三方监督"),
]
REASONS = ["退件未一次性告知原因", "电话多次无人接听", "审批时限超过承诺", "业务培训不及时"]
# (area, method, text): each finding is tagged with its category, so 举一反三 has something to see.
FINDINGS = [
    ("facilities", "on_site", "服务监督牌未摆放在显眼位置"),
    ("conduct", "mystery_shopper", "柜员离岗未放置“暂停服务”牌"),
    ("facilities", "on_site", "叫号系统故障未及时报修"),
    ("appearance", "mystery_shopper", "一名柜员未按规定着装"),
    ("environment", "on_site", "资料架缺少最新版办事指南"),
    ("business", "doorstep_interview", "退件未一次性告知所缺材料"),
    ("appearance", "doorstep_interview", "柜员未佩戴工牌"),
]
AREAS = ("environment", "facilities", "appearance", "conduct", "business")
METHODS = ("mystery_shopper", "doorstep_interview", "on_site")
ATTENDANCE_HEADER = (
    "工号",
    "姓名",
    "应出勤天数",
    "实际出勤天数",
    "请假天数",
    "旷工天数",
    "迟到早退次数",
)
# How each department is seen: the chance of 非常满意 / 满意 from an outlet.
DEPARTMENT_QUALITY = {"KS01": (0.6, 0.35), "KS02": (0.4, 0.45), "KS03": (0.5, 0.45)}


@dataclass
class SeededScoring:
    departments: int = 0
    leaders: int = 0
    managers: int = 0
    ballots: int = 0
    inspections: int = 0
    attendance: int = 0


def _rater(session: Session, username: str, role: str, kind: str, code: str) -> Rater:
    create_user(session, username=username, role=role, password=secrets.token_urlsafe(12))
    return register_rater(session, username=username, kind=kind, code=code)


def _answers(rng: random.Random, quality: tuple[float, float]) -> dict[str, tuple[str, str | None]]:
    very, satisfied = quality
    answers: dict[str, tuple[str, str | None]] = {}
    for criterion in ("attitude", "work_quality", "efficiency"):
        roll = rng.random()
        if roll < very:
            answers[criterion] = ("very_satisfied", None)
        elif roll < very + satisfied:
            answers[criterion] = ("satisfied", None)
        else:
            answers[criterion] = ("unsatisfied", rng.choice(REASONS))
    return answers


def seed_evaluations(session: Session, *, rng: random.Random) -> SeededScoring:
    """The organisation, a month's evaluation round with ballots, this quarter's inspections."""
    done = SeededScoring()
    outlets = list(session.exec(select(Outlet).order_by(col(Outlet.code))))
    for code, name in DEPARTMENTS:
        create_department(session, code=code, name=name)
        create_manager(
            session, code=f"M{code}", name=f"{name}科长", grade="section", department_code=code
        )
        done.departments += 1
        done.managers += 1
    for code, name, title, portfolio in LEADERS:
        create_leader(session, code=code, name=name, title=title, portfolio=portfolio)
        done.leaders += 1
    for outlet in outlets:
        create_manager(
            session,
            code=f"M{outlet.code}",
            name=f"{outlet.name}主任",
            grade="deputy_section",
            outlet_code=outlet.code,
        )
        done.managers += 1
    raters = [
        _rater(session, f"{o.code.lower()}-rater", "teller", "outlet", o.code) for o in outlets
    ]
    raters += [
        _rater(session, f"{c.lower()}-rater", "manager", "department", c) for c, _ in DEPARTMENTS
    ]
    raters += [
        _rater(session, f"m{o.code.lower()}", "manager", "manager", f"M{o.code}") for o in outlets
    ]
    start, _ = business_month(local_date(utcnow()))
    period = month(start.year, start.month)
    opens = period.starts_at
    open_round(session, period=period, opens_at=opens, closes_at=utcnow() + timedelta(days=7))
    cast_at = max(opens.astimezone(centre_tz()), utcnow() - timedelta(hours=1))
    for rater in raters:
        subjects = [("leader", code, (0.55, 0.4)) for code, *_ in LEADERS]
        if rater.kind == "outlet":
            subjects += [("department", c, DEPARTMENT_QUALITY[c]) for c, _ in DEPARTMENTS]
        for kind, code, quality in subjects:
            cast_ballot(
                session,
                rater=rater,
                period=period,
                subject_kind=kind,
                subject_code=code,
                answers=_answers(rng, quality),
                now=cast_at,
            )
            done.ballots += 1
    done.inspections = _inspections(session, rng=rng, outlets=outlets)
    done.attendance = seed_attendance(session, rng=rng, period=period)
    return done


def _inspect(
    session: Session, *, rng: random.Random, outlet: Outlet, quarter: Period, on: date, k: int
) -> Inspection:
    staff = list(session.exec(select(Staff).where(Staff.outlet_id == outlet.id)))
    findings = [
        FindingIn(
            text=text,
            staff_code=rng.choice(staff).code if staff and rng.random() < 0.5 else None,
            area=area,
            method=method,
        )
        for area, method, text in rng.sample(FINDINGS, k=k)
    ]
    return record_inspection(
        session,
        outlet_code=outlet.code,
        quarter=quarter.key,
        area_scores={area: float(rng.randrange(150, 200)) / 2 for area in AREAS},
        methods=METHODS,
        inspected_on=on,
        firm="湘诚第三方评估有限公司",
        summary="神秘客户体验、门前客户访问及现场检查",
        findings=findings,
        recorded_by="demo",
    )


def _inspections(session: Session, *, rng: random.Random, outlets: list[Outlet]) -> int:
    """The business month's quarter inspected, letters at every stage; the quarter before too,
    its findings since confirmed put right (so 举一反三 sees two quarters)."""
    today = local_date(utcnow())
    start, _ = business_month(today)
    quarter = quarter_of(month(start.year, start.month))
    last = quarter.previous()
    for index, outlet in enumerate(outlets):
        on = last.last_day - timedelta(days=20)
        before = _inspect(session, rng=rng, outlet=outlet, quarter=last, on=on, k=1 + index % 2)
        for finding, _ in findings_of(session, inspection_id=before.id or 0):
            mark_rectified(session, finding_id=finding.id or 0, by="demo", note="复查已整改")
    inspected_on = max(quarter.first_day, min(today, quarter.last_day) - timedelta(days=12))
    for index, outlet in enumerate(outlets):
        inspection = _inspect(
            session, rng=rng, outlet=outlet, quarter=quarter, on=inspected_on, k=index % 3
        )
        if findings_of(session, inspection_id=inspection.id or 0):
            letter = issue_letter(
                session,
                inspection_id=inspection.id or 0,
                issued_on=inspected_on + timedelta(days=1),
                issued_by="demo",
            )
            _rectify(session, letter_id=letter.id or 0, steps_done=index)
    return 2 * len(outlets)


def seed_attendance(session: Session, *, rng: random.Random, period: Period) -> int:
    """A month of 集中考勤 for every teller, imported as the centre would: from a workbook."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(ATTENDANCE_HEADER)
    staff = session.exec(select(Staff).where(col(Staff.outlet_id).is_not(None)))
    for person in staff:
        leave = rng.choice((0, 0, 0, 0.5, 1, 2))
        absent = 1 if rng.random() < 0.05 else 0
        late = rng.choice((0, 0, 0, 1, 2))
        sheet.append((person.code, person.name, 21, 21 - leave - absent, leave, absent, late))
    out = BytesIO()
    book.save(out)
    done = import_attendance(
        session, month=period.key, data=out.getvalue(), source="演示考勤表.xlsx", by="demo"
    )
    return done.created + done.updated + done.unchanged


REPORTS = {
    StepKind.rectification_report: "已对照交办函逐条整改，整改前后照片见附件。",
    StepKind.personal_statement: "本人已认真反思，今后严格遵守服务规范。",
}


def _rectify(session: Session, *, letter_id: int, steps_done: int) -> None:
    """Take a letter a few steps along: signed for, then reports handed in and accepted."""
    for step in steps_of(session, letter_id=letter_id)[: max(1, steps_done)]:
        kind = StepKind(step.kind)
        submit_step(session, step_id=step.id or 0, content=REPORTS.get(kind, ""), by="demo")
        if kind is not StepKind.issue_letter:
            review_step(session, step_id=step.id or 0, accept=True, by="demo")
