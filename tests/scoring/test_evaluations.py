"""Monthly evaluations of departments and leaders: the reason rule, one ballot, the round."""

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session

from core_ledger.org.service import create_department, create_leader, create_manager
from kernel.clock import centre_tz
from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from kernel.periods import parse_period
from scoring.evaluations import (
    ballot_sheet,
    cast_ballot,
    evaluation_drilldown,
    evaluation_ranking,
    open_round,
    register_rater,
)
from scoring.models import Rater
from scoring.stats import TierCounts
from tests.conftest import Bind, make_user
from tests.scoring.factories import S, U, V, outlet

NOV = parse_period("2026-11")
OPENS = datetime(2026, 11, 25, 9, 0, tzinfo=centre_tz())
DURING = OPENS + timedelta(days=1)


def _all(tier: str, reason: str | None = None) -> dict[str, tuple[str, str | None]]:
    return {c: (tier, reason) for c in ("attitude", "work_quality", "efficiency")}


@pytest.fixture
def centre(session: Session, engine: Bind) -> dict[str, Rater]:
    """Two outlets, a department and a manager seated as raters; two departments, a leader."""
    outlet(session, "WD01")
    outlet(session, "WD02")
    create_department(session, code="KS1", name="归集科")
    create_department(session, code="KS2", name="信贷科")
    create_leader(session, code="LD1", name="张主任", title="主任", portfolio="全面工作")
    create_manager(session, code="M1", name="李科长", grade="section", department_code="KS1")
    session.commit()
    seats = {
        "o1": ("outlet", "WD01"),
        "o2": ("outlet", "WD02"),
        "d1": ("department", "KS1"),
        "m1": ("manager", "M1"),
    }
    raters = {}
    for name, (kind, code) in seats.items():
        make_user(engine, username=name, role="teller" if kind == "outlet" else "manager")
        raters[name] = register_rater(session, username=name, kind=kind, code=code)
    open_round(session, period=NOV, opens_at=OPENS, closes_at=OPENS + timedelta(days=5))
    return raters


def _vote(
    session: Session, rater: Rater, kind: str, code: str, answers: dict[str, tuple[str, str | None]]
) -> None:
    cast_ballot(
        session,
        rater=rater,
        period=NOV,
        subject_kind=kind,
        subject_code=code,
        answers=answers,
        now=DURING,
    )


def test_departments_are_ranked_from_every_criterion_of_every_ballot(
    session: Session, centre: dict[str, Rater]
) -> None:
    _vote(session, centre["o1"], "department", "KS1", _all(V))
    answers = _all(S)
    answers["efficiency"] = (U, "公积金提取审批退件未说明原因")
    _vote(session, centre["o2"], "department", "KS1", answers)
    _vote(session, centre["o1"], "department", "KS2", _all(S))
    rows = {r.subject.code: r for r in evaluation_ranking(session, kind="department", period=NOV)}
    # KS1: two raters, one ballot each: 100 and (80 + 80 + 0) / 3 = 53.33 → 153.33 / 2 = 76.67.
    assert rows["KS1"].responses == 2
    assert rows["KS1"].summary.sample.answers.total == 6
    assert rows["KS1"].summary.counts == TierCounts(1, 0, 1)  # raters: all 非常满意; any 不满意
    assert rows["KS1"].score == pytest.approx(460 / 6)
    assert rows["KS2"].score == 80.0
    # Centre over 3 raters: (100 + 53.33 + 80) / 3 = 77.78; shrunk KS1 (153.33 + 777.8) / 12
    # = 77.59, KS2 (80 + 777.8) / 11 = 77.98.
    average = (100 + 160 / 3 + 80) / 3
    assert rows["KS1"].summary.shrunk_score == pytest.approx((100 + 160 / 3 + 10 * average) / 12)
    assert [rows["KS2"].rank, rows["KS1"].rank] == [1, 2]


def test_unsatisfied_needs_the_matter_or_reason(session: Session, centre: dict[str, Rater]) -> None:
    answers = _all(S)
    answers["attitude"] = (U, "   ")
    with pytest.raises(Invalid, match="服务态度选择“不满意”时，请填写具体事项或缘由"):
        _vote(session, centre["o1"], "department", "KS1", answers)
    assert evaluation_ranking(session, kind="department", period=NOV) == []


def test_every_criterion_needs_an_answer_and_tiers_are_checked(
    session: Session, centre: dict[str, Rater]
) -> None:
    answers = _all(S)
    del answers["work_quality"]
    with pytest.raises(Invalid, match="工作质量"):
        _vote(session, centre["o1"], "department", "KS1", answers)
    with pytest.raises(Invalid, match="very_satisfied"):
        _vote(session, centre["o1"], "department", "KS1", _all("good"))


def test_one_ballot_per_rater_subject_and_round(session: Session, centre: dict[str, Rater]) -> None:
    _vote(session, centre["o1"], "leader", "LD1", _all(V))
    with pytest.raises(Conflict, match="每轮只能投一次"):
        _vote(session, centre["o1"], "leader", "LD1", _all(U, "不听取意见"))
    _vote(session, centre["o2"], "leader", "LD1", _all(S))  # another rater may
    (row,) = evaluation_ranking(session, kind="leader", period=NOV)
    assert (row.responses, row.score) == (2, 90.0)


def test_ballots_outside_the_round_are_refused(session: Session, centre: dict[str, Rater]) -> None:
    for moment in (OPENS - timedelta(minutes=1), OPENS + timedelta(days=5)):
        with pytest.raises(Conflict, match="不在测评时间内"):
            cast_ballot(
                session,
                rater=centre["o1"],
                period=NOV,
                subject_kind="leader",
                subject_code="LD1",
                answers=_all(V),
                now=moment,
            )
    with pytest.raises(NotFound, match="2026年12月的测评尚未开启"):
        cast_ballot(
            session,
            rater=centre["o1"],
            period=parse_period("2026-12"),
            subject_kind="leader",
            subject_code="LD1",
            answers=_all(V),
            now=DURING,
        )


def test_unknown_subjects_and_ineligible_raters_are_refused(
    session: Session, centre: dict[str, Rater]
) -> None:
    with pytest.raises(NotFound, match="找不到可测评的科室 'KS9'"):
        _vote(session, centre["o1"], "department", "KS9", _all(V))
    with pytest.raises(Invalid, match="department"):
        _vote(session, centre["o1"], "unit", "KS1", _all(V))
    # Departments are rated by the outlets they serve; managers rate only the leadership.
    with pytest.raises(Forbidden, match="管理人员不参与对科室的测评"):
        _vote(session, centre["m1"], "department", "KS2", _all(V))
    _vote(session, centre["m1"], "leader", "LD1", _all(V))
    _vote(session, centre["d1"], "leader", "LD1", _all(S))


def test_reasons_are_shown_and_raters_are_not(session: Session, centre: dict[str, Rater]) -> None:
    _vote(session, centre["o1"], "leader", "LD1", _all(U, "分管窗口排队时间长"))
    _vote(session, centre["m1"], "leader", "LD1", _all(V))
    detail = evaluation_drilldown(session, kind="leader", code="LD1", period=NOV)
    assert {r.reason for r in detail.reasons} == {"分管窗口排队时间长"}
    assert detail.by_criterion["attitude"].unsatisfied == 1
    assert detail.by_criterion["attitude"].very_satisfied == 1
    shown = repr(detail)
    for secret in ("o1", "m1", "WD01", "rater"):
        assert secret not in shown


def test_a_raters_sheet_lists_what_is_left(session: Session, centre: dict[str, Rater]) -> None:
    _vote(session, centre["o1"], "department", "KS1", _all(V))
    sheet = ballot_sheet(session, rater=centre["o1"], period=NOV)
    assert [(line.code, line.done) for line in sheet] == [
        ("KS1", True),
        ("KS2", False),
        ("LD1", False),
    ]
    assert [line.code for line in ballot_sheet(session, rater=centre["m1"], period=NOV)] == ["LD1"]


def test_a_round_is_opened_once_per_month_and_needs_a_window(
    session: Session, centre: dict[str, Rater]
) -> None:
    with pytest.raises(Conflict, match="已存在"):
        open_round(session, period=NOV, opens_at=OPENS, closes_at=OPENS + timedelta(days=1))
    with pytest.raises(Invalid, match="晚于"):
        open_round(session, period=parse_period("2026-12"), opens_at=OPENS, closes_at=OPENS)
    with pytest.raises(Invalid, match="按月"):
        open_round(session, period=parse_period("2026-Q4"), opens_at=OPENS, closes_at=DURING)


def test_nobody_rates_their_own_department(session: Session, centre: dict[str, Rater]) -> None:
    with pytest.raises(Forbidden, match="不能对本科室进行测评"):
        _vote(session, centre["d1"], "department", "KS1", _all(V))
    # The manager M1 works in KS1: no ballot on KS1 either, whatever else they may rate.
    with pytest.raises(Forbidden, match="不能对本科室进行测评"):
        _vote(session, centre["m1"], "department", "KS1", _all(V))
    assert evaluation_ranking(session, kind="department", period=NOV) == []


def test_a_leader_holding_a_managers_seat_rates_no_leader(
    session: Session, engine: Bind, centre: dict[str, Rater]
) -> None:
    create_leader(session, code="LD2", name="王副主任", title="副主任")
    create_manager(session, code="M9", name="张主任", grade="division", leader_code="LD1")
    session.commit()
    make_user(engine, username="zhang", role="manager")
    seat = register_rater(session, username="zhang", kind="manager", code="M9")
    with pytest.raises(Forbidden, match="不能对自己进行测评"):
        _vote(session, seat, "leader", "LD1", _all(V))
    with pytest.raises(Forbidden, match="您是班子成员，不参与对领导班子成员的测评"):
        _vote(session, seat, "leader", "LD2", _all(V))
    assert ballot_sheet(session, rater=seat, period=NOV) == []
    assert evaluation_ranking(session, kind="leader", period=NOV) == []
    # Any other manager still rates both.
    assert [line.code for line in ballot_sheet(session, rater=centre["m1"], period=NOV)] == [
        "LD1",
        "LD2",
    ]


def test_a_leader_is_linked_to_one_manager_seat_at_most(
    session: Session, centre: dict[str, Rater]
) -> None:
    create_manager(session, code="M9", name="张主任", grade="division", leader_code="LD1")
    with pytest.raises(Conflict, match="已登记为管理人员"):
        create_manager(session, code="M8", name="张主任", grade="division", leader_code="LD1")
    with pytest.raises(NotFound, match="找不到班子成员 'LD7'"):
        create_manager(session, code="M7", name="某人", grade="division", leader_code="LD7")
