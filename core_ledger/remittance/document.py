"""The 汇缴单 itself: checked, its shares computed and its lines written, then posted as one.

Whether it comes from the counter or from self-service (see `service`), the whole unit posts in
one posting, in a handful of statements (see `journal.service.post_derived`), so 10,000
depositors take one request.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import text
from sqlmodel import Session, col, select

from core_ledger.accounts.models import Unit
from core_ledger.accounts.rates import validate_rate
from core_ledger.config import get_ledger_settings
from core_ledger.journal.bulk import among, bulk_insert, chunks
from core_ledger.journal.idempotency import request_hash
from core_ledger.journal.models import AccountStatus, FundAccount, GlAccount
from core_ledger.journal.service import Line, post_derived
from core_ledger.limits import base_floor_fen, floor_problem
from core_ledger.remittance.contribution import Contribution, monthly_contribution, share_sql
from core_ledger.remittance.models import (
    Remittance,
    RemittanceKind,
    RemittanceLine,
    RemittanceStatus,
)
from core_ledger.remittance.roster import Member, RosterLine, RowErrors, resolve_roster
from kernel.columns import table_of
from kernel.errors import Conflict, Invalid
from kernel.periods import current_month

Progress = Callable[[str, int], None]  # (stage, rows done)
LIVE = (RemittanceStatus.submitted, RemittanceStatus.approved, RemittanceStatus.posted)
_LIVE_SQL = ", ".join(f"'{status.value}'" for status in LIVE)
KIND_ZH = {RemittanceKind.regular: "汇缴", RemittanceKind.supplementary: "补缴"}


def parse_kind(kind: str) -> RemittanceKind:
    """regular (汇缴) or supplementary (补缴)."""
    try:
        return RemittanceKind(kind)
    except ValueError:
        raise Invalid(
            f"汇缴类型不正确：{kind!r}，可选 regular（汇缴）或 supplementary（补缴）"
        ) from None


def _already_covered(session: Session, *, month: str, account_ids: list[int]) -> dict[int, str]:
    """Accounts a live remittance already covers for the month, with how."""
    covered: dict[int, str] = {}
    for chunk in chunks(account_ids):
        rows = session.execute(
            select(RemittanceLine.fund_account_id, Remittance.status)
            .join(Remittance, col(Remittance.id) == RemittanceLine.remittance_id)
            .where(Remittance.month == month, col(Remittance.status).in_(LIVE))
            .where(among(session, col(RemittanceLine.fund_account_id), chunk))
        )
        covered.update({account_id: status for account_id, status in rows})
    return covered


def _check_month(session: Session, *, unit: Unit, month: str, kind: RemittanceKind) -> None:
    if month > current_month():
        raise Invalid(f"不能为未来月份 {month} 汇缴")
    if kind == RemittanceKind.supplementary:
        return
    if month < unit.first_month:
        raise Invalid(f"单位自 {unit.first_month} 起缴存，{month} 之前的月份请办理补缴")
    live = session.exec(
        select(Remittance).where(
            Remittance.unit_id == unit.id,
            Remittance.month == month,
            Remittance.kind == RemittanceKind.regular,
            col(Remittance.status).in_(LIVE),
        )
    ).first()
    if live is not None:
        state = "已入账" if live.status == RemittanceStatus.posted else "已提交，正在审核或等待到账"
        raise Conflict(f"单位 {unit.name} {month} 的汇缴{state}；如有漏缴人员请办理补缴")


def _shares(
    members: list[tuple[Member, int]], *, unit: Unit, month: str
) -> list[tuple[int, int, Contribution]]:
    cap = get_ledger_settings().base_cap_fen
    floor = base_floor_fen(month)
    unit_rate, employee_rate = unit.unit_rate, unit.employee_rate
    memo: dict[int, Contribution] = {}  # many depositors share a wage base (and the cap)
    out = []
    for member, base in members:
        share = memo.get(base)
        if share is None:
            share = memo[base] = monthly_contribution(
                wage_base_fen=base,
                unit_rate=unit_rate,
                employee_rate=employee_rate,
                base_cap_fen=cap,
                base_floor_fen=floor,
            )
        out.append((member.id, base, share))
    return out


def prepare(
    session: Session,
    *,
    unit: Unit,
    month: str,
    kind: RemittanceKind,
    lines: Sequence[RosterLine] | None,
) -> list[tuple[int, int, Contribution]]:
    """Check a remittance and compute each depositor's shares; nothing is written."""
    _check_month(session, unit=unit, month=month, kind=kind)
    members = resolve_roster(session, unit=unit, lines=lines, month=month)
    covered = _already_covered(session, month=month, account_ids=[m.id for m, _ in members])
    if kind == RemittanceKind.supplementary and lines is None:
        members = [(m, base) for m, base in members if m.id not in covered]
    elif covered:
        names = [f"账号 {m.account_no}" for m, _ in members if m.id in covered]
        raise RowErrors([f"{n} 的 {month} 已缴存或正在办理，不能重复缴存" for n in names])
    if not members:
        raise Invalid(f"单位 {unit.name} {month} 没有需要{KIND_ZH[kind]}的职工")
    return _shares(members, unit=unit, month=month)


def build(
    session: Session,
    *,
    unit: Unit,
    month: str,
    kind: RemittanceKind,
    lines: Sequence[RosterLine] | None,
    source: str,
    status: RemittanceStatus,
    key: str,
    payload: dict[str, Any],
    user_id: int | None,
    progress: Progress | None = None,
) -> Remittance:
    """Check a remittance and write it with its lines; nothing is written if a check fails.

    The roster on file is checked and written inside PostgreSQL (`_create_from_roster`); a list
    from a file, or another database, goes through Python (`prepare`, then `create`).
    """
    if lines is None and session.get_bind().dialect.name == "postgresql":
        return _create_from_roster(
            session,
            unit=unit,
            month=month,
            kind=kind,
            source=source,
            status=status,
            key=key,
            payload=payload,
            user_id=user_id,
            progress=progress,
        )
    shares = prepare(session, unit=unit, month=month, kind=kind, lines=lines)
    return create(
        session,
        unit=unit,
        month=month,
        kind=kind,
        shares=shares,
        source=source,
        status=status,
        key=key,
        payload=payload,
        user_id=user_id,
        progress=progress,
    )


# Whether a live remittance already covers account f for the month (an index probe per account).
_COVERED_SQL = f"""EXISTS (
    SELECT 1 FROM remittance_line cl JOIN remittance cr ON cr.id = cl.remittance_id
    WHERE cl.fund_account_id = f.id AND cr.month = :month AND cr.status IN ({_LIVE_SQL}))"""

# The unit's open accounts: how many, which have no wage base, which the month already covers.
_SURVEY_SQL = f"""
SELECT count(*),
       array_agg(account_no ORDER BY id) FILTER (WHERE wage_base_fen <= 0),
       array_agg(account_no ORDER BY id) FILTER (WHERE covered),
       array_agg(account_no || ':' || wage_base_fen ORDER BY id)
           FILTER (WHERE wage_base_fen > 0 AND wage_base_fen < :floor)
FROM (SELECT f.id, f.account_no, f.wage_base_fen, {_COVERED_SQL} AS covered
      FROM fund_account f WHERE f.unit_id = :unit_id AND f.status = 'normal') AS member
"""

# Every line in one statement; it returns what it wrote, so the document's totals are the sum
# of its lines even if an account changes meanwhile.
_WRITE_SQL = """
WITH written AS (
    INSERT INTO remittance_line
        (remittance_id, fund_account_id, wage_base_fen, unit_fen, employee_fen)
    SELECT :remittance_id, f.id, capped.base, {unit_share}, {employee_share}
    FROM fund_account f CROSS JOIN LATERAL (SELECT LEAST(f.wage_base_fen, :cap) AS base) capped
    WHERE f.unit_id = :unit_id AND f.status = 'normal' AND f.wage_base_fen > 0 {uncovered}
    ORDER BY f.id
    RETURNING unit_fen, employee_fen
)
SELECT count(*), coalesce(sum(unit_fen), 0), coalesce(sum(employee_fen), 0) FROM written
"""


def _create_from_roster(
    session: Session,
    *,
    unit: Unit,
    month: str,
    kind: RemittanceKind,
    source: str,
    status: RemittanceStatus,
    key: str,
    payload: dict[str, Any],
    user_id: int | None,
    progress: Progress | None,
) -> Remittance:
    """`prepare` and `create` for the unit's open accounts on file, set-based in PostgreSQL:
    the same checks and the same shares (`contribution.share_sql`), no row through Python."""
    _check_month(session, unit=unit, month=month, kind=kind)
    unit_rate = validate_rate(unit.unit_rate, name="单位缴存比例")
    employee_rate = validate_rate(unit.employee_rate, name="个人缴存比例")
    floor = base_floor_fen(month)
    members, unbased, covered, low = session.execute(
        text(_SURVEY_SQL), {"unit_id": unit.id, "month": month, "floor": floor or 0}
    ).one()
    if unbased or low:
        problems = [f"账号 {no} 未登记缴存基数" for no in unbased or []]
        for item in low or []:
            no, base = item.split(":")
            problems.append(f"账号 {no} 的{floor_problem(int(base), month=month)}")
        raise RowErrors(problems)
    covered = covered or []
    if kind == RemittanceKind.regular and covered:
        raise RowErrors([f"账号 {no} 的 {month} 已缴存或正在办理，不能重复缴存" for no in covered])
    if members - len(covered) <= 0:
        raise Invalid(f"单位 {unit.name} {month} 没有需要{KIND_ZH[kind]}的职工")
    remittance = Remittance(
        unit_id=unit.id or 0,
        month=month,
        kind=kind,
        source=source,
        status=status,
        headcount=0,
        unit_fen=0,
        employee_fen=0,
        total_fen=0,
        idempotency_key=key,
        request_hash=request_hash(payload),
        submitted_by_user_id=user_id,
    )
    session.add(remittance)
    session.flush()
    statement = _WRITE_SQL.format(
        unit_share=share_sql("capped.base", "unit_rate"),
        employee_share=share_sql("capped.base", "employee_rate"),
        uncovered=f"AND NOT {_COVERED_SQL}" if kind == RemittanceKind.supplementary else "",
    )
    headcount, unit_fen, employee_fen = session.execute(
        text(statement),
        {
            "remittance_id": remittance.id,
            "unit_id": unit.id,
            "month": month,
            "cap": get_ledger_settings().base_cap_fen,
            "unit_rate": str(unit_rate),
            "employee_rate": str(employee_rate),
        },
    ).one()
    if headcount != members - len(covered):
        # An account of the unit was opened, closed or moved since the survey: start again.
        raise Conflict(f"单位 {unit.name} 的职工名册在办理过程中发生变化，整单未入账；请重新办理")
    remittance.headcount = int(headcount)
    remittance.unit_fen, remittance.employee_fen = int(unit_fen), int(employee_fen)
    remittance.total_fen = remittance.unit_fen + remittance.employee_fen
    session.add(remittance)
    if progress:
        progress("lines", remittance.headcount)
    return remittance


def create(
    session: Session,
    *,
    unit: Unit,
    month: str,
    kind: RemittanceKind,
    shares: list[tuple[int, int, Contribution]],
    source: str,
    status: RemittanceStatus,
    key: str,
    payload: dict[str, Any],
    user_id: int | None,
    progress: Progress | None = None,
) -> Remittance:
    """Write the remittance document and its lines (bulk)."""
    remittance = Remittance(
        unit_id=unit.id or 0,
        month=month,
        kind=kind,
        source=source,
        status=status,
        headcount=len(shares),
        unit_fen=sum(c.unit_fen for _, _, c in shares),
        employee_fen=sum(c.employee_fen for _, _, c in shares),
        total_fen=sum(c.total_fen for _, _, c in shares),
        idempotency_key=key,
        request_hash=request_hash(payload),
        submitted_by_user_id=user_id,
    )
    session.add(remittance)
    session.flush()
    rows = [
        {
            "remittance_id": remittance.id,
            "fund_account_id": account_id,
            "wage_base_fen": c.base_fen,
            "unit_fen": c.unit_fen,
            "employee_fen": c.employee_fen,
        }
        for account_id, _, c in shares
    ]
    bulk_insert(session, table_of(RemittanceLine), rows)
    if progress:
        progress("lines", len(rows))
    return remittance


def post_remittance(
    session: Session,
    *,
    remittance: Remittance,
    checked: bool = False,
    occurred_at: datetime | None = None,
) -> Remittance:
    """Credit every depositor of the remittance in one balanced posting, derived in SQL from
    its lines. `checked`: the caller has just checked the accounts in this transaction."""
    unit = session.get(Unit, remittance.unit_id, with_for_update=True)
    assert unit is not None
    if not checked:
        _refuse_closed(session, remittance=remittance)
    lines = table_of(RemittanceLine)
    posting = post_derived(
        session,
        kind=f"remittance.{remittance.kind}",
        counter=Line(GlAccount.bank, remittance.total_fen),
        deposits=sa_select(
            lines.c.fund_account_id, -(lines.c.unit_fen + lines.c.employee_fen)
        ).where(lines.c.remittance_id == remittance.id),
        expected_rows=remittance.headcount,
        occurred_at=occurred_at,
        memo=f"{unit.name} {remittance.month} {KIND_ZH[remittance.kind]} {remittance.headcount} 人",
        outlet_id=remittance.outlet_id,
        teller_id=remittance.teller_id,
    )
    remittance.posting_id = posting.id
    remittance.status = RemittanceStatus.posted
    remittance.confirmed_at = posting.occurred_at
    session.add(remittance)
    session.flush()
    return remittance


def _refuse_closed(session: Session, *, remittance: Remittance) -> None:
    """Refuse to post a remittance naming an account closed since it was submitted."""
    closed = session.exec(
        select(FundAccount.account_no)
        .join(RemittanceLine, col(RemittanceLine.fund_account_id) == FundAccount.id)
        .where(
            RemittanceLine.remittance_id == remittance.id,
            FundAccount.status == AccountStatus.closed,
        )
        .limit(10)
    ).all()
    if closed:
        raise Conflict(f"账号 {'、'.join(closed)} 已销户，不能入账；请退回该汇缴单并重新提交")
