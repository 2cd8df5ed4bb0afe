"""Anti-gaming: a staff member's number, or one shared by depositors, holds answers back."""

import pytest
from sqlmodel import Session, select

from kernel.errors import Conflict, Invalid
from kernel.periods import parse_period
from scoring.models import FlagReason, FlagState, RatingFlag
from scoring.rankings import callback_ranking
from scoring.service import list_flags, resolve_flag
from tests.scoring.factories import U, V, depositor, outlet, rate, teller

NOV = parse_period("2026-11")


def _score(session: Session) -> tuple[float | None, int]:
    (row,) = callback_ranking(session, kind="outlet", period=NOV)
    return row.score, row.responses


def test_a_call_to_a_staff_members_phone_is_flagged_and_held_out(session: Session) -> None:
    a = outlet(session, "WD01")
    own = teller(session, a, "T1", phone="+8613900001111")
    rate(session, a, U, U, by=own, phone="+8613800002222")
    gamed = rate(session, a, V, V, by=own, phone="139 0000 1111")
    assert gamed.held is True
    (flag,) = list_flags(session)
    assert flag.reason == FlagReason.staff_phone
    assert "139****1111" in flag.detail and "柜员T1" in flag.detail
    assert _score(session) == (0.0, 1)  # only the honest, unhappy callback counts


def test_a_number_several_depositors_gave_is_flagged(session: Session) -> None:
    a = outlet(session, "WD01")
    depositor(session, "+8613700003333")
    depositor(session, "+8613700003333")
    depositor(session, "+8613700004444")
    shared = rate(session, a, V, V, phone="+8613700003333")
    own = rate(session, a, U, U, phone="+8613700004444")
    assert (shared.held, own.held) == (True, False)
    (flag,) = list_flags(session)
    assert flag.reason == FlagReason.shared_phone
    assert "2 名缴存职工" in flag.detail


def test_a_number_can_break_both_rules_and_then_every_flag_must_be_cleared(
    session: Session,
) -> None:
    a = outlet(session, "WD01")
    teller(session, a, "T1", phone="+8613900001111")
    depositor(session, "+8613900001111")
    depositor(session, "+8613900001111")
    rating = rate(session, a, V, V, phone="+8613900001111")
    flags = {f.reason: f for f in list_flags(session)}
    assert set(flags) == {FlagReason.staff_phone, FlagReason.shared_phone}
    resolve_flag(
        session, flag_id=flags[FlagReason.staff_phone].id or 0, decision=FlagState.cleared, by="op"
    )
    session.refresh(rating)
    assert rating.held is True  # one flag still open
    resolve_flag(
        session, flag_id=flags[FlagReason.shared_phone].id or 0, decision=FlagState.cleared, by="op"
    )
    session.refresh(rating)
    assert rating.held is False
    assert _score(session) == (100.0, 1)


def test_an_upheld_flag_keeps_the_answers_out_and_needs_a_note(session: Session) -> None:
    a = outlet(session, "WD01")
    teller(session, a, "T1", phone="+8613900001111")
    rating = rate(session, a, V, V, phone="+8613900001111")
    (flag,) = list_flags(session)
    with pytest.raises(Invalid, match="核实情况"):
        resolve_flag(session, flag_id=flag.id or 0, decision=FlagState.upheld, by="op")
    resolve_flag(
        session, flag_id=flag.id or 0, decision=FlagState.upheld, by="op", note="柜员自拨回访号码"
    )
    session.refresh(rating)
    assert rating.held is True
    assert callback_ranking(session, kind="outlet", period=NOV) == []
    with pytest.raises(Conflict, match="已处理"):
        resolve_flag(session, flag_id=flag.id or 0, decision=FlagState.cleared, by="op")


def test_an_ordinary_number_and_a_missing_number_are_not_flagged(session: Session) -> None:
    a = outlet(session, "WD01")
    depositor(session, "+8613700003333")
    rate(session, a, V, V, phone="+8613700003333")
    rate(session, a, V, V)
    assert session.exec(select(RatingFlag)).all() == []
    assert _score(session) == (100.0, 2)


def test_recording_twice_is_one_rating_and_one_set_of_flags(session: Session) -> None:
    from scoring.service import record_callback_rating

    a = outlet(session, "WD01")
    teller(session, a, "T1", phone="+8613900001111")
    kwargs = dict(
        task_id=777,
        audience="depositor",
        outlet_id=a.id or 0,
        teller_id=None,
        business_at=rate(session, a, V, V).business_at,
        answers={"attitude": V},
        phone="+8613900001111",
    )
    first = record_callback_rating(session, **kwargs)  # type: ignore[arg-type]
    again = record_callback_rating(session, **kwargs)  # type: ignore[arg-type]
    assert first.id == again.id
    assert len(list_flags(session)) == 1
