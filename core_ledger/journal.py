"""The journal: balanced postings, idempotency keys, account locks, reversals, the books' checks.

Sign convention: debits positive, credits negative; every posting sums to zero. `deposits` is
credit-normal, so a depositor's balance is minus the sum of that account's `deposits` lines.
`FundAccount.balance_fen` is that sum kept current inside the same transaction as each posting
(under a row lock), and `check_books` proves the two agree.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    Table,
    any_,
    bindparam,
    insert,
    literal,
    text,
    update,
)
from sqlmodel import Session, col, func, select

from core_ledger.documents import InterestSettlement
from core_ledger.models import (
    FUND_ACCOUNT_TABLE,
    AccountStatus,
    FundAccount,
    GlAccount,
    JournalLine,
    Posting,
)
from kernel.clock import as_utc, local_date, utcnow
from kernel.columns import table_of
from kernel.errors import Conflict, Invalid, NotFound

# A remittance of 10,000 depositors is one statement per this many rows.
BULK_CHUNK = 5_000


T = TypeVar("T")


def chunks(values: list[T]) -> Iterator[list[T]]:
    """Slices small enough for any database's limit on bound parameters."""
    for start in range(0, len(values), BULK_CHUNK):
        yield values[start : start + BULK_CHUNK]


class AccountNotUsable(Conflict):
    """The account is sealed, frozen or closed for this business."""


class InsufficientBalance(Conflict):
    """A debit for more than the balance."""


class IdempotencyConflict(Conflict):
    """The same idempotency key was used for a different request."""


@dataclass(frozen=True)
class Line:
    """One signed journal line before it is written."""

    gl: GlAccount
    amount_fen: int
    fund_account_id: int | None = None
    loan_id: int | None = None


class Keyed(Protocol):
    idempotency_key: str | None
    request_hash: str | None


K = TypeVar("K", bound=Keyed)


def request_hash(payload: Mapping[str, Any]) -> str:
    """A stable fingerprint of a request body, to tell a retry from a different request."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def hold_key(session: Session, *, key: str) -> None:
    """Serialise requests carrying the same idempotency key until this transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})


def replayed(session: Session, model: type[K], *, key: str, payload: Mapping[str, Any]) -> K | None:
    """What an idempotency key already made, if the request is the same; 409 if it is not."""
    hold_key(session, key=key)
    found = session.exec(select(model).where(model.idempotency_key == key)).first()
    if found is None:
        return None
    if found.request_hash != request_hash(payload):
        raise IdempotencyConflict(f"幂等键 {key!r} 已用于另一笔不同的业务，请使用新的幂等键")
    return found


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
    moved = session.execute(
        update(table)
        .where(table.c.id == account_id, table.c.status != AccountStatus.closed)
        .values(balance_fen=table.c.balance_fen - amount)
    ).rowcount  # type: ignore[attr-defined]
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


def among(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """column IN values — on PostgreSQL one array parameter, so 10,000 ids are one bind."""
    listed = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(listed, ARRAY(column.type)))
    return column.in_(listed)


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in this transaction: COPY on PostgreSQL, batched INSERTs elsewhere."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        for start in range(0, len(rows), BULK_CHUNK):
            session.execute(insert(table), rows[start : start + BULK_CHUNK])
        return
    columns = list(rows[0])
    raw = session.connection().connection.driver_connection
    assert raw is not None
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


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


def apply_balance_deltas(session: Session, deltas: Mapping[int, int]) -> None:
    """Move many balances at once: one UPDATE on PostgreSQL, executemany elsewhere.

    The UPDATE skips closed accounts and counts what it moved, so an account closed by a
    concurrent transaction after the caller's checks is refused here, atomically.
    """
    if not deltas:
        return
    table = FUND_ACCOUNT_TABLE
    if session.get_bind().dialect.name == "postgresql":
        moved = session.execute(
            text(
                "UPDATE fund_account SET balance_fen = fund_account.balance_fen + d.delta "
                "FROM unnest(CAST(:ids AS integer[]), CAST(:deltas AS bigint[])) AS d(id, delta) "
                "WHERE fund_account.id = d.id AND fund_account.status <> 'closed'"
            ),
            {"ids": list(deltas), "deltas": list(deltas.values())},
        ).rowcount  # type: ignore[attr-defined]
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


def expire_accounts(session: Session, *, ids: set[int], attributes: list[str]) -> None:
    """Forget loaded values a bulk statement has just changed underneath the session."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, FundAccount) and obj.id in ids:
            session.expire(obj, attributes)


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


def posting_by_receipt(session: Session, *, receipt_no: str) -> Posting:
    """A posting by the number printed on its receipt (PJ + local date + id)."""
    text_no = receipt_no.strip().upper()
    posting = None
    if len(text_no) == 20 and text_no.startswith("PJ") and text_no[2:].isdecimal():
        posting = session.get(Posting, int(text_no[10:]))
    if posting is None or posting.receipt_no != text_no:
        raise NotFound(f"找不到票据 {receipt_no!r}，请核对票据号（如 PJ202601150000000001）")
    return posting


def trial_balance(session: Session) -> dict[GlAccount, int]:
    """The net of every fund-level account (debits positive)."""
    rows = session.exec(
        select(JournalLine.gl_account, func.sum(JournalLine.amount_fen)).group_by(
            col(JournalLine.gl_account)
        )
    )
    totals = dict.fromkeys(GlAccount, 0)
    for gl, total in rows:
        totals[GlAccount(gl)] = int(total or 0)
    return totals


def check_books(session: Session) -> list[str]:
    """Every way the books could be wrong, in words; empty when they are right."""
    problems = []
    totals = trial_balance(session)
    if sum(totals.values()) != 0:
        problems.append(f"借贷不平：全部分录合计 {sum(totals.values())} 分")
    balances = session.exec(select(func.coalesce(func.sum(FundAccount.balance_fen), 0))).one()
    if int(balances) != -totals[GlAccount.deposits]:
        problems.append(
            f"账户余额合计 {balances} 分 ≠ 住房公积金负债 {-totals[GlAccount.deposits]} 分"
        )
    journal = (
        select(JournalLine.fund_account_id, func.sum(JournalLine.amount_fen).label("net"))
        .where(JournalLine.gl_account == GlAccount.deposits)
        .group_by(col(JournalLine.fund_account_id))
        .subquery()
    )
    mismatched = session.exec(
        select(FundAccount.account_no, FundAccount.balance_fen, journal.c.net)
        .outerjoin(journal, journal.c.fund_account_id == FundAccount.id)
        .where(FundAccount.balance_fen != -func.coalesce(journal.c.net, 0))
        .limit(20)
    ).all()
    for account_no, balance, net in mismatched:
        problems.append(f"账户 {account_no} 余额 {balance} 分 ≠ 明细合计 {-(net or 0)} 分")
    negative = session.exec(
        select(FundAccount.account_no).where(FundAccount.balance_fen < 0).limit(20)
    ).all()
    problems += [f"账户 {no} 余额为负" for no in negative]
    return problems
