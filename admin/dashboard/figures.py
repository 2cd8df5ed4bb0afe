"""The managers' dashboard figures: every chart and table for one month, built from the records.

Each table is a `Table` (title, headers, rows): the page shows it, and the Excel export writes
the very same rows, so what a manager downloads is what they saw.
"""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from callbacks.cases import view
from callbacks.models import (
    CallAttempt,
    CallbackException,
    CallbackTask,
    TaskKind,
    TaskStatus,
    WebSurveyLink,
)
from callbacks.triage import REASON_LABELS
from kernel.clock import utcnow
from kernel.periods import Period, month_of, months_between, parse_period, quarter_of, shift
from scoring.appraisal import PART_NAMES
from scoring.evaluations import evaluation_ranking
from scoring.inspections import findings_of, list_inspections
from scoring.models import STEP_NAMES, CallbackRating, IssueLetter, StepState
from scoring.performance import outlet_appraisals
from scoring.rankings import RankedSubject, callback_ranking
from scoring.rectification import overdue, steps_of

TREND_MONTHS = 6
TIER_NAMES = ("非常满意", "满意", "不满意")
SLA_STATES = ("按时处理", "超时处理", "处理中", "已超时未处理")
UNREACHABLE = ("unreachable", "invalid_number")


@dataclass(frozen=True)
class Table:
    """One table of the dashboard, as shown and as exported."""

    key: str
    title: str
    headers: tuple[str, ...]
    rows: Sequence[Sequence[object]]
    notes: tuple[str, ...] = ()
    links: Sequence[str | None] = field(default_factory=list)  # a drill-down per row, if any
    link_column: int = 1  # the column that carries the row's link


def latest_period(session: Session) -> Period:
    """The latest month anyone was called back about (this month when there is none yet)."""
    latest = session.exec(select(func.max(CallbackRating.period))).one()
    if latest is None:
        latest = session.exec(select(func.max(CallbackTask.business_at))).one()
        latest = month_of(latest) if latest is not None else month_of(utcnow())
    return parse_period(str(latest))


def rated_periods(session: Session, *, limit: int = 24) -> list[str]:
    """Months with ratings, newest first, each followed by its quarter when that is new."""
    months = session.exec(
        select(CallbackRating.period)
        .distinct()
        .order_by(col(CallbackRating.period).desc())
        .limit(limit)
    ).all()
    choices: list[str] = []
    for key in months:
        quarter = quarter_of(parse_period(key)).key
        choices += [key] if quarter in choices else [key, quarter]
    return choices


def report_quarter(period: Period) -> Period:
    """The quarter a period's appraisal and inspections are read for: that of its last month."""
    return quarter_of(parse_period(period.months[-1]))


def _one(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def trend(session: Session, *, period: Period) -> tuple[list[str], dict[str, list[float | None]]]:
    """Each outlet's score month by month up to the period, and the centre's (全中心)."""
    last = period.months[-1]
    months = months_between(shift(last, 1 - TREND_MONTHS), last)
    first, last_rated = session.exec(
        select(func.min(CallbackRating.period), func.max(CallbackRating.period)).where(
            col(CallbackRating.period).in_(months)
        )
    ).one()
    if first is not None and last_rated is not None:  # no empty months at either end
        months = [m for m in months if first <= m <= last_rated]
    series: dict[str, list[float | None]] = defaultdict(lambda: [None] * len(months))
    centre: list[float | None] = []
    for index, key in enumerate(months):
        rows = callback_ranking(session, kind="outlet", period=parse_period(key))
        for row in rows:
            series[row.subject.name][index] = _one(row.summary.score)
        centre.append(_one(rows[0].centre_score) if rows else None)
    return months, {**dict(sorted(series.items())), "全中心": centre}


def trend_table(
    months: list[str], series: dict[str, list[float | None]], *, period: Period
) -> Table:
    """The trend's figures: each outlet's score month by month."""
    return Table(
        key="trend",
        title=f"月度满意度得分（截至{period.label}）",
        headers=("网点", *months),
        rows=[(name, *data) for name, data in series.items()],
        link_column=-1,
    )


def ranking_table(rows: list[RankedSubject], *, kind: str, period: Period) -> Table:
    """A ranking with its intervals, each row linked to what is behind it."""
    body, links = [], []
    for row in rows:
        s = row.summary
        low, high = s.interval if s.interval else (None, None)
        body.append(
            (
                row.rank or "—",
                row.subject.name,
                _one(s.score),
                _one(low),
                _one(high),
                row.responses,
                "是" if s.small_sample and s.people else "",
            )
        )
        links.append(f"/rankings/{kind}/{row.subject.code}?period={period.key}")
    names = {"outlet": "网点", "teller": "柜员", "department": "科室", "leader": "班子成员"}
    people = "回访人次" if kind in ("outlet", "teller") else "测评人次"
    return Table(
        key=f"ranking-{kind}",
        title=f"{names[kind]}满意度排名 · {period.label}",
        headers=("名次", "名称", "得分", "区间下限", "区间上限", people, "小样本"),
        rows=body,
        notes=("得分按人次计；区间为 95% 可信区间，人次越少区间越宽。",),
        links=links,
    )


def tier_table(rows: list[RankedSubject], *, period: Period) -> Table:
    """非常满意 / 满意 / 不满意 per outlet, in people (人次)."""
    body: list[tuple[object, ...]] = []
    for row in sorted(rows, key=lambda r: r.subject.code):
        c = row.summary.counts
        body.append((row.subject.name, c.very_satisfied, c.satisfied, c.unsatisfied, c.total))
    return Table(
        key="tiers",
        title=f"满意度档次构成 · {period.label}",
        headers=("网点", *TIER_NAMES, "人次"),
        rows=body,
        notes=("各项都非常满意计“非常满意”，有一项不满意计“不满意”，其余计“满意”。",),
    )


def _task_ids(session: Session, *, period: Period) -> list[int]:
    start, end = period.utc_bounds()
    query = select(CallbackTask.id).where(
        CallbackTask.kind == TaskKind.survey,
        col(CallbackTask.business_at) >= start,
        col(CallbackTask.business_at) < end,
    )
    return [i for i in session.exec(query) if i is not None]


def funnel(session: Session, *, period: Period) -> Table:
    """The callback funnel for the month's business: placed, answered, by SMS, unreachable."""
    ids = _task_ids(session, period=period)
    attempts = session.exec(
        select(
            CallAttempt.task_id, CallAttempt.channel, CallAttempt.status, CallAttempt.answered_by
        ).where(col(CallAttempt.task_id).in_(ids))
    ).all()
    called = {t for t, channel, _, _ in attempts if channel == "voice"}
    answered = {
        t
        for t, channel, status, by in attempts
        if channel == "voice" and status == "completed" and by in (None, "human")
    }
    texted = {t for t, channel, _, _ in attempts if channel == "sms"}
    links = session.exec(
        select(WebSurveyLink.opened_at, WebSurveyLink.answered_at).where(
            col(WebSurveyLink.task_id).in_(ids)
        )
    ).all()
    completed = session.exec(
        select(func.count()).where(
            col(CallbackTask.id).in_(ids), CallbackTask.status == TaskStatus.completed
        )
    ).one()
    unreachable = session.exec(
        select(func.count(func.distinct(CallbackException.task_id))).where(
            col(CallbackException.task_id).in_(ids), col(CallbackException.reason).in_(UNREACHABLE)
        )
    ).one()
    steps = (
        ("应回访业务", len(ids)),
        ("已拨打电话", len(called)),
        ("电话接通", len(answered)),
        ("短信回访", len(texted)),
        ("打开网页问卷", sum(opened is not None for opened, _ in links)),
        ("网页问卷作答", sum(answered is not None for _, answered in links)),
        ("完成回访", int(completed)),
        ("联系不上", int(unreachable)),
    )
    return Table(
        key="funnel",
        title=f"回访漏斗 · {period.label}",
        headers=("环节", "人次", "占应回访"),
        rows=[(name, n, f"{n / len(ids):.0%}" if ids else "—") for name, n in steps],
        notes=("按业务发生月份统计；一笔业务一人次。联系不上含号码无效，转人工回访。",),
    )


def exceptions(session: Session, *, period: Period) -> Table:
    """Operators' cases on the month's business, by reason and where they stand on the SLA."""
    ids = _task_ids(session, period=period)
    now = utcnow()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    pairs = session.exec(
        select(CallbackException, CallbackTask)
        .join(CallbackTask, col(CallbackTask.id) == col(CallbackException.task_id))
        .where(col(CallbackException.task_id).in_(ids))
    ).all()
    for case, task in pairs:
        seen = view(case, task, now=now)
        handled = case.closed_at is not None or case.verified_at is not None
        state = SLA_STATES[(0 if handled else 2) + int(seen.breached)]
        counts[case.reason][state] += 1
    order = sorted(counts, key=lambda r: list(REASON_LABELS).index(r) if r in REASON_LABELS else 99)
    return Table(
        key="exceptions",
        title=f"异常工单（按原因与时限） · {period.label}",
        headers=("原因", *SLA_STATES, "合计"),
        rows=[
            (
                REASON_LABELS.get(reason, reason),
                *(counts[reason][s] for s in SLA_STATES),
                sum(counts[reason].values()),
            )
            for reason in order
        ],
        notes=("处理以核实或结案为准；时限按工作日办公时间计算。",),
    )


def evaluations(session: Session, *, period: Period) -> list[Table]:
    """Departments and leadership members as rated in the month's ballots."""
    return [
        ranking_table(
            evaluation_ranking(session, kind=kind, period=period), kind=kind, period=period
        )
        for kind in ("department", "leader")
    ]


def appraisal(session: Session, *, period: Period) -> Table:
    """绩效考核 composites for the period's quarter, with each part's score and weight."""
    quarter = report_quarter(period)
    rows = outlet_appraisals(session, period=quarter)
    body: list[tuple[object, ...]] = []
    for row in rows:
        parts = [row.result.part(name) for name in PART_NAMES]
        body.append(
            (
                row.rank or "—",
                row.subject.name,
                *(
                    f"{_one(p.score)}（{p.effective_weight:.0%}）" if p.score is not None else "—"
                    for p in parts
                ),
                _one(row.result.value) if row.result.value is not None else "—",
            )
        )
    return Table(
        key="appraisal",
        title=f"绩效考核 · {quarter.label}",
        headers=("名次", "网点", *PART_NAMES.values(), "综合得分"),
        rows=body,
        notes=("括号内为该分项实际权重；缺项时其余分项按比例放大。",),
        links=[f"/rankings/appraisal?period={quarter.key}" for _ in rows],
    )


def inspections(session: Session, *, period: Period) -> Table:
    """The quarter's third-party inspections: score, findings, and where rectification stands."""
    quarter = report_quarter(period)
    body: list[tuple[object, ...]] = []
    for inspection, outlet in list_inspections(session, period=quarter):
        findings = findings_of(session, inspection_id=inspection.id or 0)
        letter = session.exec(
            select(IssueLetter).where(IssueLetter.inspection_id == inspection.id)
        ).first()
        steps = steps_of(session, letter_id=letter.id or 0) if letter else []
        done = sum(1 for s in steps if s.state == StepState.accepted)
        late = sum(1 for s in steps if overdue(s))
        if letter is None:
            status = "无需整改" if not findings else "待发交办函"
        elif letter.closed_at is not None:
            status = "整改完成"
        else:
            waiting = [STEP_NAMES[s.kind] for s in steps if s.state != StepState.accepted]
            status = "待" + "、".join(dict.fromkeys(waiting)) if waiting else "待审核"
        body.append(
            (
                outlet.name,
                inspection.quarter,
                inspection.score,
                len(findings),
                "；".join(f.text for f, _ in findings) or "—",
                letter.number if letter else "—",
                f"{done}/{len(steps)}" if steps else "—",
                status,
                late,
            )
        )
    return Table(
        key="inspections",
        title=f"第三方监督检查与整改 · {quarter.label}",
        headers=(
            "网点",
            "季度",
            "检查得分",
            "问题数",
            "发现问题",
            "交办函",
            "已通过环节",
            "整改状态",
            "逾期环节",
        ),  # fmt: skip
        rows=body,
        notes=("整改环节：交办函签收、问题整改报告、责任人个人检查，逐项审核通过后办结。",),
        links=[f"/rankings/appraisal?period={quarter.key}" for _ in body],
        link_column=0,
    )
