"""The journal: balanced postings, account locks, balances moved with them, reversals (冲正).

Sign convention: debits positive, credits negative; every posting sums to zero. `deposits` is
credit-normal, so a depositor's balance is minus the sum of that account's `deposits` lines.
`FundAccount.balance_fen` is that sum kept current inside the same transaction as each posting
(under a row lock), and `check_books` proves the two agree.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, bindparam, insert, literal, text, update
from sqlmodel import Session, col, func, select

from core_ledger.journal.bulk import among, bulk_insert, chunks, expire_accounts
from core_ledger.journal.idempotency import request_hash
from core_ledger.journal.models import (
    FUND_ACCOUNT_TABLE,
    AccountStatus,
    FundAccount,
    GlAccount,
    InterestSettlement,
    JournalLine,
    Posting,
)
from kernel.clock import as_utc, local_date, utcnow
from kernel.columns import rowcount, table_of
from kernel.errors import Conflict, Invalid, NotFound


class AccountNotUsable(Conflict):
    """The account is sealed, frozen or closed for this business."""


class InsufficientBalance(Conflict):
    """A debit for more than the balance."""


@dataclass(frozen=True)
class Line:
    """One signed journal line before it is written."""

    gl: GlAccount
    amount_fen: int
    fund_account_id: int | None = None
    loan_id: int | None = None


def positive(amount_fen: int) -> None:
    """Refuse zero and negative amounts."""
    if amount_fen <= 0:
        raise Invalid(f"金额必须大于 0 分，收到 {amount_fen}")


def moment(occurred_at: datetime | None) -> datetime:
    """When a business happened: now, or a past moment a teller enters late; never the future."""
    if occurred_at is None:
        return utcnow()
    when = as_utc(occurred_at)
    if when > utcnow():
        raise Invalid("业务发生时间不能晚于当前时间，请核对日期")
    return when


def lock_account(session: Session, *, account_id: int) -> FundAccount:
    """A fund account locked for a posting, fresh from the database."""
    query = select(FundAccount).where(FundAccount.id == account_id).with_for_update()
    account = session.exec(query.execution_options(populate_existing=True)).first()
    if account is None:
        raise NotFound(f"找不到公积金账户 {account_id}")
    return account


def post(
    session: Session,
    *,
    kind: str,
    lines: list[Line],
    accounts: Iterable[FundAccount] = (),
    key: str | None = None,
    payload: Mapping[str, Any] | None = None,
    fund_account_id: int | None = None,
    outlet_id: int | None = None,
    teller_id: int | None = None,
    occurred_at: datetime | None = None,
    memo: str = "",
) -> Posting:
    """Write a balanced posting and apply it to the (locked) accounts it touches."""
    by_id = {a.id: a for a in accounts}
    deltas = _deposit_deltas(lines)
    for account_id, delta in deltas.items():
        account = by_id.get(account_id)
        if account is None:
            raise AssertionError("post() needs every account it credits or debits locked")
        _may_take(account, delta)
    posting = _posting(
        session,
        kind=kind,
        lines=lines,
        key=key,
        payload=payload,
        fund_account_id=fund_account_id,
        outlet_id=outlet_id,
        teller_id=teller_id,
        occurred_at=occurred_at,
        memo=memo,
    )
    _write_lines(session, posting_id=posting.id or 0, lines=lines)
    for account_id, delta in deltas.items():
        by_id[account_id].balance_fen += delta
        session.add(by_id[account_id])
    session.flush()
    return posting


def post_bulk(
    session: Session,
    *,
    kind: str,
    lines: list[Line],
    key: str | None = None,
    payload: Mapping[str, Any] | None = None,
    occurred_at: datetime | None = None,
    memo: str = "",
    outlet_id: int | None = None,
    teller_id: int | None = None,
) -> Posting:
    """A posting of many lines (a unit's remittance, the yearly interest) in a few statements.

    The caller has locked the accounts and checked them; balances move by one UPDATE.
    """
    posting = _posting(
        session,
        kind=kind,
        lines=lines,
        key=key,
        payload=payload,
        occurred_at=occurred_at,
        memo=memo,
        outlet_id=outlet_id,
        teller_id=teller_id,
    )
    _write_lines(session, posting_id=posting.id or 0, lines=lines)
    apply_balance_deltas(session, _deposit_deltas(lines))
    return posting


def post_derived(
    session: Session,
    *,
    kind: str,
    counter: Line,
    deposits: Select[tuple[int, int]],
    expected_rows: int,
    memo: str,
    occurred_at: datetime | None = None,
    outlet_id: int | None = None,
    teller_id: int | None = None,
) -> Posting:
    """A posting whose many `deposits` lines are derived in SQL from a document's rows.

    `deposits` selects (fund account id, signed line amount); `counter` is the one line that
    balances them. The lines and the balances move by set statements inside the database (no
    row crosses the wire twice); the database then proves the posting sums to zero and that
    every account moved was open.
    """
    posting = _posting(
        session,
        kind=kind,
        lines=[counter, Line(GlAccount.deposits, -counter.amount_fen)],
        key=None,
        payload=None,
        occurred_at=occurred_at,
        memo=memo,
        outlet_id=outlet_id,
        teller_id=teller_id,
    )
    _write_lines(session, posting_id=posting.id or 0, lines=[counter])
    derived = deposits.subquery()
    account_id, amount = derived.c[0], derived.c[1]
    line_table: Table = table_of(JournalLine)
    session.execute(
        insert(line_table).from_select(
            ["posting_id", "gl_account", "fund_account_id", "amount_fen"],
            select(literal(posting.id), literal(GlAccount.deposits.value), account_id, amount),
        )
    )
    total = session.execute(
        select(func.coalesce(func.sum(line_table.c.amount_fen), 0)).where(
            line_table.c.posting_id == posting.id
        )
    ).scalar_one()
    if total != 0:
        raise AssertionError(f"posting {posting.id} does not balance: {total}")
    table = FUND_ACCOUNT_TABLE
    moved = rowcount(
        session.execute(
            update(table)
            .where(table.c.id == account_id, table.c.status != AccountStatus.closed)
            .values(balance_fen=table.c.balance_fen - amount)
        )
    )
    if moved != expected_rows:
        raise AccountNotUsable("有账户在办理过程中被销户，整笔业务未入账；请核对后重新办理")
    for obj in list(session.identity_map.values()):
        if isinstance(obj, FundAccount):
            session.expire(obj, ["balance_fen"])
    return posting


def _posting(
    session: Session,
    *,
    kind: str,
    lines: list[Line],
    key: str | None,
    payload: Mapping[str, Any] | None,
    occurred_at: datetime | None,
    memo: str,
    fund_account_id: int | None = None,
    outlet_id: int | None = None,
    teller_id: int | None = None,
    reverses_id: int | None = None,
) -> Posting:
    if not lines or sum(line.amount_fen for line in lines) != 0:
        raise AssertionError("a posting must balance")  # a programming error, never input
    posting = Posting(
        kind=kind,
        idempotency_key=key,
        request_hash=request_hash(payload or {}) if key else None,
        fund_account_id=fund_account_id,
        outlet_id=outlet_id,
        teller_id=teller_id,
        amount_fen=sum(line.amount_fen for line in lines if line.amount_fen > 0),
        memo=memo[:200],
        occurred_at=moment(occurred_at),
        reverses_id=reverses_id,
    )
    if occurred_at is not None and kind != "interest":
        _not_in_a_settled_year(session, when=posting.occurred_at)
    session.add(posting)
    session.flush()
    return posting


def _not_in_a_settled_year(session: Session, *, when: datetime) -> None:
    """Refuse business entered late with a date whose interest year is already settled.

    Interest is paid on daily balances; a posting dated before the last 结息 would change a
    year's interest after it was credited. Such business is entered with today's date (the
    original date in the memo), or corrected by an interest adjustment.
    """
    settled = session.exec(select(func.max(InterestSettlement.period_end_on))).one()
    day = local_date(when)
    if settled is not None and day <= settled:
        raise Conflict(
            f"业务日期 {day} 所在计息年度已于 {settled} 结息，不能补记到该日期；"
            "请按当前日期办理，并在摘要中注明原业务日期"
        )


def _write_lines(session: Session, *, posting_id: int, lines: list[Line]) -> None:
    rows = [
        {
            "posting_id": posting_id,
            "gl_account": line.gl.value,
            "fund_account_id": line.fund_account_id,
            "loan_id": line.loan_id,
            "amount_fen": line.amount_fen,
        }
        for line in lines
        if line.amount_fen != 0
    ]
    bulk_insert(session, table_of(JournalLine), rows)


def _deposit_deltas(lines: list[Line]) -> dict[int, int]:
    """How each depositor's balance moves: minus its deposits lines (credit-normal)."""
    deltas: dict[int, int] = {}
    for line in lines:
        if line.gl == GlAccount.deposits:
            if line.fund_account_id is None:
                raise AssertionError("a deposits line names its fund account")
            deltas[line.fund_account_id] = deltas.get(line.fund_account_id, 0) - line.amount_fen
    return deltas


def _may_take(account: FundAccount, delta: int) -> None:
    """The last guard before a balance moves: never closed, never below zero."""
    if account.status == AccountStatus.closed:
        raise AccountNotUsable(f"账户 {account.account_no} 已销户，不能再记账")
    if account.balance_fen + delta < 0:
        raise InsufficientBalance(
            f"账户 {account.account_no} 余额 {account.balance_fen} 分，"
            f"不足以支付 {-delta} 分，未记账"
        )


# Every balance of a bulk posting in one statement; closed accounts are skipped (and counted).
_MOVE_BALANCES = text(
    "UPDATE fund_account SET balance_fen = fund_account.balance_fen + d.delta "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:deltas AS bigint[])) AS d(id, delta) "
    "WHERE fund_account.id = d.id AND fund_account.status <> 'closed'"
)


def apply_balance_deltas(session: Session, deltas: Mapping[int, int]) -> None:
    """Move many balances at once: one UPDATE on PostgreSQL, executemany elsewhere.

    The UPDATE skips closed accounts and counts what it moved, so an account closed by a
    concurrent transaction after the caller's checks is refused here, atomically.
    """
    if not deltas:
        return
    table = FUND_ACCOUNT_TABLE
    if session.get_bind().dialect.name == "postgresql":
        moved = rowcount(
            session.execute(_MOVE_BALANCES, {"ids": list(deltas), "deltas": list(deltas.values())})
        )
    else:
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.status != AccountStatus.closed)
            .values(balance_fen=table.c.balance_fen + bindparam("b_delta"))
        )
        moved = (
            session.connection()
            .execute(statement, [{"b_id": k, "b_delta": v} for k, v in deltas.items()])
            .rowcount
        )
    if moved != len(deltas):
        raise AccountNotUsable("有账户在办理过程中被销户，整笔业务未入账；请核对后重新办理")
    expire_accounts(session, ids=set(deltas), attributes=["balance_fen"])


def lines_of(session: Session, *, posting_id: int) -> list[Line]:
    """The lines of a posting, as written."""
    rows = session.exec(select(JournalLine).where(JournalLine.posting_id == posting_id))
    return [
        Line(
            gl=GlAccount(r.gl_account),
            amount_fen=r.amount_fen,
            fund_account_id=r.fund_account_id,
            loan_id=r.loan_id,
        )
        for r in rows
    ]


def reverse(
    session: Session, *, original: Posting, key: str, payload: Mapping[str, Any], memo: str
) -> Posting:
    """冲正: a posting with every line negated; refused if it would overdraw or touch a closed
    account, or if the posting was already reversed."""
    if original.reverses_id is not None:
        raise Conflict("这是一笔冲正记录，不能再冲正")
    done = session.exec(select(Posting).where(Posting.reverses_id == original.id)).first()
    if done is not None:
        raise Conflict(f"票据 {original.receipt_no} 已于此前冲正，不能重复冲正")
    negated = [
        Line(
            gl=li.gl,
            amount_fen=-li.amount_fen,
            fund_account_id=li.fund_account_id,
            loan_id=li.loan_id,
        )
        for li in lines_of(session, posting_id=original.id or 0)
    ]
    deltas = _deposit_deltas(negated)
    _check_locked(session, deltas)
    posting = _posting(
        session,
        kind="reversal",
        lines=negated,
        key=key,
        payload=payload,
        occurred_at=None,
        memo=memo,
        fund_account_id=original.fund_account_id,
        reverses_id=original.id,
    )
    _write_lines(session, posting_id=posting.id or 0, lines=negated)
    apply_balance_deltas(session, deltas)
    return posting


def _check_locked(session: Session, deltas: Mapping[int, int]) -> None:
    """Lock every account a bulk posting moves (in id order) and refuse any it may not move."""
    problems = []
    for chunk in chunks(sorted(deltas)):
        rows = session.execute(
            select(col(FundAccount.id), col(FundAccount.account_no), col(FundAccount.status))
            .add_columns(col(FundAccount.balance_fen))
            .where(among(session, col(FundAccount.id), chunk))
            .order_by(col(FundAccount.id))
            .with_for_update()
        )
        for account_id, account_no, status, balance in rows:
            if status == AccountStatus.closed:
                problems.append(f"账户 {account_no} 已销户")
            elif balance + deltas[account_id] < 0:
                problems.append(
                    f"账户 {account_no} 余额 {balance} 分不足以冲回 {-deltas[account_id]} 分"
                )
    if problems:
        raise InsufficientBalance("不能冲正：" + "；".join(problems[:10]))
