"""Demo data for the ranking engine: departments, leaders, managers, a round of ballots,
and a quarter's third-party inspections with their issue letters."""

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from core_ledger.org.models import Outlet, Staff
from core_ledger.org.service import create_department, create_leader, create_manager
from huifang.demo.seed import business_month
from kernel.auth import create_user
from kernel.clock import centre_tz, local_date, utcnow
from kernel.periods import month, quarter_of
from scoring.evaluations import cast_ballot, open_round, register_rater
from scoring.inspections import FindingIn, record_inspection
from scoring.models import Rater, StepKind
from scoring.rectification import issue_letter, review_step, steps_of, submit_step

DEPARTMENTS = [("KS01", "归集管理科"), ("KS02", "信贷管理科"), ("KS03", "财务审计科")]
LEADERS = [
    ("LD01", "周建国", "主任", "全面工作"),
    ("LD02", "陈丽华", "副主任", "归集、提取"),
    ("LD03", "刘志强", "副主任", "贷款、财务"),
    ("LD04", "黄敏", "纪检组长", "纪检监察、第三方监督"),
]
REASONS = ["退件未一次性告知原因", "电话多次无人接听", "审批时限超过承诺", "业务培训不及时"]
FINDINGS = [
    "服务监督牌未摆放在显眼位置",
    "柜员离岗未放置“暂停服务”牌",
    "叫号系统故障未及时报修",
    "一名柜员未按规定着装",
    "资料架缺少最新版办事指南",
]
# How each department is seen: the chance of 非常满意 / 满意 from an outlet.
DEPARTMENT_QUALITY = {"KS01": (0.6, 0.35), "KS02": (0.4, 0.45), "KS03": (0.5, 0.45)}


@dataclass
class SeededScoring:
    departments: int = 0
    leaders: int = 0
    managers: int = 0
    ballots: int = 0
    inspections: int = 0


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
    return done


def _inspections(session: Session, *, rng: random.Random, outlets: list[Outlet]) -> int:
    # The quarter of the business month (the dashboard's), inspected before today.
    today = local_date(utcnow())
    start, _ = business_month(today)
    quarter = quarter_of(month(start.year, start.month))
    inspected_on = max(quarter.first_day, min(today, quarter.last_day) - timedelta(days=12))
    for index, outlet in enumerate(outlets):
        staff = list(session.exec(select(Staff).where(Staff.outlet_id == outlet.id)))
        findings = [
            FindingIn(
                text=text,
                staff_code=rng.choice(staff).code if staff and rng.random() < 0.5 else None,
            )
            for text in rng.sample(FINDINGS, k=index % 3)
        ]
        inspection = record_inspection(
            session,
            outlet_code=outlet.code,
            quarter=quarter.key,
            score=round(rng.uniform(78, 97), 1),
            inspected_on=inspected_on,
            firm="湘诚第三方评估有限公司",
            summary="神秘客户体验、门前客户访问及现场检查",
            findings=findings,
            recorded_by="demo",
        )
        if findings:
            letter = issue_letter(
                session,
                inspection_id=inspection.id or 0,
                issued_on=inspected_on + timedelta(days=1),
                issued_by="demo",
            )
            _rectify(session, letter_id=letter.id or 0, steps_done=index)
    return len(outlets)


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
