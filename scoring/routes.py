"""HTTP routes of the ranking engine: rankings, what is behind them, flags, alerts, appraisal."""

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from kernel.auth import Capability, User, require
from kernel.db import SessionDep
from kernel.errors import Invalid
from kernel.periods import Period, parse_period
from scoring.alerts import acknowledge_alert, check_bottom_alerts, list_alerts
from scoring.drilldown import callback_drilldown
from scoring.evaluations import evaluation_drilldown, evaluation_ranking
from scoring.models import FlagState, RankingAlert
from scoring.performance import outlet_appraisals, parse_weights
from scoring.rankings import RankedSubject, as_callback_kind, callback_ranking
from scoring.redflags import favour_reports, repeat_trip_rates
from scoring.schemas import (
    AlertPublic,
    AppraisalPublic,
    CallbackDrilldownPublic,
    EvaluationDrilldownPublic,
    FlagPublic,
    NoteCreate,
    OutletRankPublic,
    PartPublic,
    RankPublic,
    ReasonPublic,
    RedFlagsPublic,
    RepeatTripsPublic,
    counts_public,
)
from scoring.service import list_flags, resolve_flag

router = APIRouter(prefix="/api/rankings", tags=["rankings"])
DecideFlagsUser = Annotated[User, Depends(require(Capability.decide_flags))]
ManageAlertsUser = Annotated[User, Depends(require(Capability.manage_alerts))]
ReadAppraisalUser = Annotated[User, Depends(require(Capability.read_appraisal))]
ReadRankingsUser = Annotated[User, Depends(require(Capability.read_rankings))]
PeriodQuery = Annotated[str, Query(description="YYYY-MM, YYYY-Qn or YYYY")]


class Kind(StrEnum):
    outlets = "outlets"
    tellers = "tellers"
    departments = "departments"
    leaders = "leaders"

    @property
    def singular(self) -> str:
        return self.value[:-1]


def ranking_of(
    session: Session, *, kind: str, period: Period, include_unrated: bool
) -> list[RankedSubject]:
    """Any kind's ranking: callbacks for outlets and tellers, evaluations for the rest."""
    if kind in ("outlet", "teller"):
        return callback_ranking(
            session, kind=as_callback_kind(kind), period=period, include_unrated=include_unrated
        )
    return evaluation_ranking(session, kind=kind, period=period, include_unrated=include_unrated)


@router.get("/outlets")
def rank_outlets(
    session: SessionDep, _: ReadRankingsUser, period: PeriodQuery, include_unrated: bool = False
) -> list[OutletRankPublic]:
    """Outlets ranked for a period (only those with answers unless include_unrated)."""
    rows = ranking_of(
        session, kind="outlet", period=parse_period(period), include_unrated=include_unrated
    )
    return [OutletRankPublic.of_outlet(row) for row in rows]


@router.get("/project-contacts")
def project_contacts_report(
    session: SessionDep, _: ReadRankingsUser, period: PeriodQuery
) -> list[OutletRankPublic]:
    """签约楼盘负责人评价: per outlet, how the project contacts rated its service to their
    buyers in the period; a report of its own, not part of the outlet ranking."""
    rows = callback_ranking(
        session, kind="outlet", period=parse_period(period), project_contacts=True
    )
    return [OutletRankPublic.of_outlet(row) for row in rows]


@router.get("/red-flags")
def red_flags(
    session: SessionDep, _: ReadRankingsUser, period: PeriodQuery, kind: str = "outlet"
) -> RedFlagsPublic:
    """Repeat-trip rates (worst first) and every favour-asking report, each by itself."""
    parsed = parse_period(period)
    rates = repeat_trip_rates(session, kind=as_callback_kind(kind), period=parsed)
    return RedFlagsPublic(
        period=parsed.key,
        repeat_trips=[
            RepeatTripsPublic(
                kind=r.subject.kind,
                code=r.subject.code,
                name=r.subject.name,
                group=r.subject.group,
                asked=r.asked,
                repeat_trips=r.repeat_trips,
                rate=None if r.rate is None else round(r.rate, 4),
                interval_low=round(r.interval[0], 4) if r.interval else None,
                interval_high=round(r.interval[1], 4) if r.interval else None,
                favour_reports=r.favour_reports,
            )
            for r in rates
        ],
        favour_reports=favour_reports(session, period=parsed),
    )


def _alert(alert: RankingAlert, code: str, name: str) -> AlertPublic:
    return AlertPublic(
        id=alert.id or 0,
        outlet_code=code,
        outlet_name=name,
        **alert.model_dump(
            include={
                "period",
                "kind",
                "detail",
                "created_at",
                "acknowledged_at",
                "acknowledged_by",
                "note",
            }
        ),
    )


@router.get("/alerts")
def alerts(
    session: SessionDep, _: ReadRankingsUser, period: PeriodQuery | None = None
) -> list[AlertPublic]:
    """约谈 alerts raised so far, newest first."""
    parsed = parse_period(period) if period else None
    return [_alert(a, o.code, o.name) for a, o in list_alerts(session, period=parsed)]


@router.post("/alerts/check")
def check_alerts(
    session: SessionDep, _: ManageAlertsUser, period: PeriodQuery
) -> list[AlertPublic]:
    """Raise the alerts a month deserves (safe to repeat: each is raised once)."""
    raised = {a.id for a in check_bottom_alerts(session, period=parse_period(period))}
    return [_alert(a, o.code, o.name) for a, o in list_alerts(session) if a.id in raised]


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(
    session: SessionDep, user: ManageAlertsUser, alert_id: int, body: NoteCreate
) -> dict[str, str]:
    """Record that the talk took place."""
    acknowledge_alert(session, alert_id=alert_id, by=user.username, note=body.note)
    return {"status": "acknowledged"}


@router.get("/flags")
def flags(session: SessionDep, _: DecideFlagsUser, state: str = "open") -> list[FlagPublic]:
    """Anti-gaming flags; by default those waiting for an operator."""
    if state not in FlagState.__members__ and state != "all":
        raise Invalid(f"state 应为 open、cleared、upheld 或 all，收到 {state!r}")
    wanted = None if state == "all" else FlagState(state)
    return [FlagPublic.model_validate(f) for f in list_flags(session, state=wanted)]


@router.post("/flags/{flag_id}/{decision}")
def decide_flag(
    session: SessionDep, user: ReadRankingsUser, flag_id: int, decision: str, body: NoteCreate
) -> FlagPublic:
    """clear (the answers count again) or uphold (they stay out), with a note."""
    states = {"clear": FlagState.cleared, "uphold": FlagState.upheld}
    if decision not in states:
        raise Invalid(f"处理方式应为 clear 或 uphold，收到 {decision!r}")
    flag = resolve_flag(
        session,
        flag_id=flag_id,
        decision=states[decision],
        by=user.username,
        note=body.note or None,
    )
    return FlagPublic.model_validate(flag)


@router.get("/appraisal")
def appraisal(
    session: SessionDep,
    _: ReadAppraisalUser,
    period: PeriodQuery,
    weights: Annotated[
        str | None, Query(description="callback=0.5,inspection=0.3,rectification=0.2")
    ] = None,
) -> list[AppraisalPublic]:
    """绩效考核 composite per outlet, with each part, its weight and its contribution."""
    rows = outlet_appraisals(session, period=parse_period(period), weights=parse_weights(weights))
    return [
        AppraisalPublic(
            rank=row.rank,
            outlet_code=row.subject.code,
            name=row.subject.name,
            composite=None if row.result.value is None else round(row.result.value, 2),
            parts=[
                PartPublic(
                    name=p.name,
                    label=p.label,
                    score=None if p.score is None else round(p.score, 2),
                    weight=p.weight,
                    effective_weight=round(p.effective_weight, 4),
                    contribution=None if p.contribution is None else round(p.contribution, 2),
                    reason=p.reason,
                )
                for p in row.result.parts
            ],
            missing=list(row.result.missing),
            note=row.result.note,
            callback_people=row.callback.summary.people,
            callback_small_sample=row.callback.summary.small_sample,
            inspection_quarters=list(row.inspection_quarters),
            rectification_letters=row.rectification.total if row.rectification else 0,
            rectification_on_time=row.rectification.closed_on_time if row.rectification else 0,
        )
        for row in rows
    ]


@router.get("/{kind}")
def rank_kind(
    session: SessionDep,
    _: ReadRankingsUser,
    kind: Kind,
    period: PeriodQuery,
    include_unrated: bool = False,
) -> list[RankPublic]:
    """Tellers, departments or leaders (or outlets) ranked for a period."""
    rows = ranking_of(
        session, kind=kind.singular, period=parse_period(period), include_unrated=include_unrated
    )
    return [RankPublic.of(row) for row in rows]


@router.get("/{kind}/{code}")
def drilldown(
    session: SessionDep,
    _: ReadRankingsUser,
    kind: Kind,
    code: str,
    period: PeriodQuery,
    limit: int = 100,
    offset: int = 0,
) -> CallbackDrilldownPublic | EvaluationDrilldownPublic:
    """The ratings behind a number: callbacks one by one, or ballot counts and reasons."""
    parsed = parse_period(period)
    if kind in (Kind.outlets, Kind.tellers):
        found = callback_drilldown(
            session,
            kind=as_callback_kind(kind.singular),
            code=code,
            period=parsed,
            limit=limit,
            offset=offset,
        )
        return CallbackDrilldownPublic(
            subject=RankPublic.of(found.row),
            total=found.total,
            ratings=list(found.lines),
        )
    detail = evaluation_drilldown(session, kind=kind.singular, code=code, period=parsed)
    return EvaluationDrilldownPublic(
        subject=RankPublic.of(detail.row),
        by_criterion={c: counts_public(k) for c, k in detail.by_criterion.items()},
        reasons=[ReasonPublic(**vars(r)) for r in detail.reasons],
    )
