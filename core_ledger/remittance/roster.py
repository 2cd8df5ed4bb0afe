"""The roster (汇缴清册) of a remittance: whose accounts, on what wage bases, every row checked.

A list from a file or a request is checked row by row against the accounts, and every wrong
row is named at once (`RowErrors`); no list means the unit's open accounts on file.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from core_ledger.accounts.models import Depositor, Unit
from core_ledger.journal.bulk import among
from core_ledger.journal.models import STATUS_ZH, AccountStatus, FundAccount
from core_ledger.limits import floor_problem
from kernel.errors import Invalid

MAX_ERRORS_SHOWN = 10


@dataclass(frozen=True)
class RosterLine:
    """One row of a remittance list: whose account, on what wage base (None: the one on file)."""

    account_no: str
    wage_base_fen: int | None = None
    name: str | None = None  # when the file names the person, it must match the account
    row: int | None = None  # the row in the uploaded file, for messages


class Member(NamedTuple):
    """A depositor a roster names, as the accounts have them."""

    id: int
    account_no: str
    status: str
    unit_id: int | None
    wage_base_fen: int
    name: str


class RowErrors(Invalid):
    """Several rows of a remittance list are wrong; the message lists them."""

    def __init__(self, errors: list[str]) -> None:
        shown = "；".join(errors[:MAX_ERRORS_SHOWN])
        more = (
            f"；另有 {len(errors) - MAX_ERRORS_SHOWN} 处错误"
            if len(errors) > MAX_ERRORS_SHOWN
            else ""
        )
        super().__init__(f"汇缴清册有 {len(errors)} 处错误，整单未入账：{shown}{more}")
        self.errors = errors


def _members(session: Session, *, unit: Unit, account_nos: Sequence[str] | None) -> list[Member]:
    query = sa_select(
        col(FundAccount.id),
        col(FundAccount.account_no),
        col(FundAccount.status),
        col(FundAccount.unit_id),
        col(FundAccount.wage_base_fen),
        col(Depositor.name),
    ).join(Depositor, col(Depositor.id) == FundAccount.depositor_id)
    if account_nos is None:
        query = query.where(
            col(FundAccount.unit_id) == unit.id, col(FundAccount.status) == AccountStatus.normal
        )
    else:
        query = query.where(among(session, col(FundAccount.account_no), set(account_nos)))
    # Not locked: a remittance only credits, and the balance UPDATE itself refuses an account
    # closed in the meantime (see journal.service.post_derived), so 10,000 rows need no lock.
    return [Member._make(row) for row in session.execute(query.order_by(col(FundAccount.id)))]


def _check_line(
    line: RosterLine, member: Member | None, unit: Unit, where: str, month: str | None
) -> str | None:
    if member is None:
        return f"{where}账号 {line.account_no} 不存在"
    if member.unit_id != unit.id:
        return f"{where}账号 {line.account_no}（{member.name}）不属于本单位"
    if member.status != AccountStatus.normal:
        status = STATUS_ZH[AccountStatus(member.status)]
        return f"{where}账号 {line.account_no} 状态为{status}，不能汇缴"
    if line.name is not None and line.name.strip() != member.name:
        return f"{where}账号 {line.account_no} 的姓名与登记的不符"
    base = member.wage_base_fen if line.wage_base_fen is None else line.wage_base_fen
    if base <= 0:
        return f"{where}账号 {line.account_no} 的缴存基数须大于 0"
    if month is not None and (problem := floor_problem(base, month=month)):
        return f"{where}账号 {line.account_no} 的{problem}"
    return None


def resolve_roster(
    session: Session, *, unit: Unit, lines: Sequence[RosterLine] | None, month: str | None = None
) -> list[tuple[Member, int]]:
    """The depositors of a remittance with their wage bases, or RowErrors naming each bad row.

    With a month, every base is checked against that month's floor (the minimum wage)."""
    if lines is None:
        members = _members(session, unit=unit, account_nos=None)
        missing = [f"账号 {m.account_no} 未登记缴存基数" for m in members if m.wage_base_fen <= 0]
        low = [
            f"账号 {m.account_no} 的{problem}"
            for m in members
            if m.wage_base_fen > 0
            and month is not None
            and (problem := floor_problem(m.wage_base_fen, month=month))
        ]
        if missing or low:
            raise RowErrors(missing + low)
        return [(m, m.wage_base_fen) for m in members]
    by_no = {
        m.account_no: m
        for m in _members(session, unit=unit, account_nos=[li.account_no for li in lines])
    }
    errors: list[str] = []
    seen: dict[str, str] = {}
    resolved = []
    for index, line in enumerate(lines, start=1):
        where = f"第 {line.row or index} 行"
        if line.account_no in seen:
            errors.append(f"{where}账号 {line.account_no} 与{seen[line.account_no]}重复")
            continue
        seen[line.account_no] = where
        member = by_no.get(line.account_no)
        problem = _check_line(line, member, unit, where, month)
        if problem:
            errors.append(problem)
        elif member is not None:
            resolved.append(
                (member, member.wage_base_fen if line.wage_base_fen is None else line.wage_base_fen)
            )
    if errors:
        raise RowErrors(errors)
    return resolved
