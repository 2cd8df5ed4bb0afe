"""`huifang ledger …`: remittances (counter and self-service) from Excel/CSV, review, bank
confirmation, receipts, repayments, interest settlement and the books' check."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlmodel import Session, select

from core_ledger.accounts import service as accounts
from core_ledger.interest.service import settle_interest
from core_ledger.journal.books import check_books, trial_balance
from core_ledger.journal.models import Posting
from core_ledger.loans import service as loans
from core_ledger.loans.repricing import reprice_loans
from core_ledger.money import parse_yuan, yuan_str
from core_ledger.receipts.printing import receipt_text
from core_ledger.receipts.service import receipt_for
from core_ledger.remittance import service as remittances
from core_ledger.remittance.models import Remittance
from core_ledger.remittance.roster import RosterLine
from core_ledger.remittance.roster_file import read_roster
from kernel.auth import User
from kernel.db import session_scope
from kernel.errors import DomainError

ledger_app = typer.Typer(
    help="公积金账务：汇缴、审核、到账、票据、还款、结息。", no_args_is_help=True
)
console = Console()
Month = Annotated[str, typer.Option(help="缴存月份 YYYY-MM")]
Key = Annotated[str, typer.Option(help="幂等键：重试同一笔业务时保持不变")]
Kind = Annotated[str, typer.Option(help="regular（汇缴）或 supplementary（补缴）")]


@contextmanager
def _work() -> Iterator[Session]:
    """A committed unit of work; a domain error becomes a red message and exit code 1."""
    try:
        with session_scope() as session:
            yield session
    except DomainError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"日期格式不正确：{text!r}（应为 YYYY-MM-DD）") from None


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _read(path: Path, progress: Progress) -> list[RosterLine]:
    if not path.is_file():
        console.print(f"[red]找不到文件 {path}[/red]")
        raise typer.Exit(2)
    data = path.read_bytes()
    task = progress.add_task(f"读取 {path.name}", total=None)

    def advance(rows: int) -> None:
        progress.update(task, completed=rows)

    try:
        lines = read_roster(data, filename=path.name, on_row=advance)
    except DomainError as error:
        progress.stop()
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error
    progress.update(task, total=len(lines), completed=len(lines))
    return lines


def _posting_stage(progress: Progress, total: int) -> Callable[[str, int], None]:
    task = progress.add_task("校验、计算并写入明细", total=total)

    def report(_: str, rows: int) -> None:
        progress.update(task, completed=rows)

    return report


def _show(session: Session, remittance: Remittance) -> None:
    posting = session.get(Posting, remittance.posting_id) if remittance.posting_id else None
    console.print(
        f"汇缴单 {remittance.id}：{remittance.month} {remittance.headcount} 人，"
        f"单位 {yuan_str(remittance.unit_fen)} 元 + 个人 {yuan_str(remittance.employee_fen)} 元 = "
        f"[bold]{yuan_str(remittance.total_fen)} 元[/bold]，状态 {remittance.status}"
        + (f"，票据号 {posting.receipt_no}" if posting else "")
    )


@ledger_app.command("remit")
def remit(
    unit: Annotated[str, typer.Option(help="单位账号或统一社会信用代码")],
    month: Month,
    outlet: Annotated[str, typer.Option(help="网点编号")],
    teller: Annotated[str, typer.Option(help="柜员编号")],
    key: Key,
    file: Annotated[
        Path | None, typer.Argument(help="汇缴清册 .xlsx/.csv；不给则按登记名册")
    ] = None,
    kind: Kind = "regular",
) -> None:
    """柜面汇缴 / 补缴: post a unit's month at once, from a file or the roster on file."""
    with _progress() as progress:
        lines = _read(file, progress) if file else None
        stage = _posting_stage(progress, len(lines) if lines else 0)
        with _work() as session:
            remittance = remittances.remit_at_counter(
                session,
                unit_code=unit,
                month=month,
                kind=kind,
                idempotency_key=key,
                outlet_code=outlet,
                teller_code=teller,
                lines=lines,
                progress=stage,
            )
    with session_scope() as session:
        _show(session, session.get(Remittance, remittance.id) or remittance)


@ledger_app.command("submit")
def submit(
    file: Annotated[Path, typer.Argument(help="汇缴清册 .xlsx/.csv")],
    user: Annotated[str, typer.Option(help="单位专管员的用户名")],
    month: Month,
    key: Key,
    kind: Kind = "regular",
) -> None:
    """网上汇缴: a unit administrator submits a list for review."""
    with _progress() as progress:
        lines = _read(file, progress)
        stage = _posting_stage(progress, len(lines))
        with _work() as session:
            admin = session.exec(select(User).where(User.username == user)).first()
            if admin is None:
                raise DomainError(f"找不到用户 {user!r}")
            remittance = remittances.submit(
                session,
                unit=accounts.unit_of(session, user=admin),
                month=month,
                kind=kind,
                idempotency_key=key,
                lines=lines,
                user_id=admin.id or 0,
                progress=stage,
            )
    with session_scope() as session:
        _show(session, session.get(Remittance, remittance.id) or remittance)
    console.print("已提交，等待柜员审核。")


@ledger_app.command("review")
def review(
    remittance_id: int,
    user: Annotated[str, typer.Option(help="审核柜员的用户名")],
    approve: Annotated[bool, typer.Option("--approve/--reject", help="通过或退回")] = True,
    reason: Annotated[str, typer.Option(help="退回原因（退回时必填）")] = "",
) -> None:
    """审核 a self-service remittance."""
    with _work() as session:
        reviewer = session.exec(select(User).where(User.username == user)).first()
        if reviewer is None:
            raise DomainError(f"找不到用户 {user!r}")
        done = remittances.review(
            session,
            remittance_id=remittance_id,
            approve=approve,
            reason=reason,
            user_id=reviewer.id or 0,
        )
        _show(session, done)


@ledger_app.command("confirm")
def confirm(
    remittance_id: int,
    bank_ref: Annotated[str, typer.Option(help="银行流水号")],
    amount: Annotated[str, typer.Option(help="到账金额（元），如 57600.00")],
) -> None:
    """银行到账: post an approved remittance."""
    with _work() as session:
        done = remittances.confirm_transfer(
            session, remittance_id=remittance_id, bank_ref=bank_ref, amount_fen=parse_yuan(amount)
        )
        _show(session, done)


@ledger_app.command("arrears")
def arrears(unit: Annotated[str, typer.Argument(help="单位账号")]) -> None:
    """欠缴: months a unit has not paid."""
    with _work() as session:
        owed = remittances.arrears(session, unit_code=unit)
    if not owed:
        console.print("[green]无欠缴月份[/green]")
        return
    table = Table(title=f"{unit} 欠缴月份")
    for column in ("月份", "状态", "金额（元）"):
        table.add_column(column)
    states = {"unpaid": "未缴", "submitted": "待审核", "approved": "待到账"}
    for month in owed:
        amount = "—" if month.amount_fen is None else yuan_str(month.amount_fen)
        table.add_row(month.month, states.get(month.state, month.state), amount)
    console.print(table)


@ledger_app.command("receipt")
def receipt(number: Annotated[str, typer.Argument(help="票据号，如 PJ202611250000000001")]) -> None:
    """打印票据: print a posting's receipt."""
    with _work() as session:
        console.print(receipt_text(receipt_for(session, receipt_no=number)))


def _loan_ids(text: str) -> list[int]:
    ids = [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]
    if not all(part.isdecimal() for part in ids):
        raise typer.BadParameter(f"贷款号应为逗号分隔的数字，如 12,15：{text!r}")
    return [int(part) for part in ids]


@ledger_app.command("repay")
def repay(
    on: Annotated[str | None, typer.Option(help="计至日期 YYYY-MM-DD，默认今天")] = None,
    uncollected: Annotated[
        str, typer.Option(help="银行回盘中扣款失败的贷款号，逗号分隔（这些贷款转入逾期）")
    ] = "",
) -> None:
    """还款: collect every installment due, offset (对冲还贷) first; safe to run twice."""
    with _work() as session:
        run = loans.repay_due(session, on=_day(on), uncollected=_loan_ids(uncollected))
    console.print(
        f"收回 {run.installments} 期：对冲 {yuan_str(run.offset_fen)} 元，"
        f"银行代扣 {yuan_str(run.bank_fen)} 元；结清 {run.settled_loans} 笔贷款"
        + (f"；[red]银行未扣回 {run.uncollected} 期，转入逾期[/red]" if run.uncollected else "")
    )


@ledger_app.command("loan-arrears")
def loan_arrears() -> None:
    """逾期贷款: loans whose bank collection failed, the amount and the days overdue."""
    with _work() as session:
        rows = loans.arrears(session)
    _print_arrears(rows)
    if not rows:
        console.print("[green]没有逾期贷款[/green]")


def _print_arrears(rows: list[loans.LoanArrears]) -> None:
    for row in rows:
        console.print(
            f"[yellow]逾期：贷款 {row.loan_id}（账号 {row.account_no}）{row.installments} 期 "
            f"{yuan_str(row.amount_fen)} 元，自 {row.overdue_since} 起逾期 {row.days_overdue} 天"
            "[/yellow]"
        )


@ledger_app.command("reprice")
def reprice(
    year: Annotated[
        int | None, typer.Option(help="重定价年度，默认今年（1 月 1 日起执行）")
    ] = None,
) -> None:
    """1 月 1 日重定价: existing loans take the loan rate in force; safe to run twice."""
    with _work() as session:
        run = reprice_loans(session, year=year)
    console.print(
        f"{run.year} 年重定价：{run.loans} 笔贷款，{run.installments} 期还款计划已按新利率重算"
    )


@ledger_app.command("settle-interest")
def settle(
    period_end: Annotated[str | None, typer.Option(help="结息日 YYYY-MM-DD，默认最近一个")] = None,
) -> None:
    """结息: credit a year's deposit interest to every open account; safe to run twice."""
    with _work() as session:
        done = settle_interest(session, period_end=_day(period_end))
    console.print(
        f"{done.period_end_on} 结息：{done.accounts} 户，共 {yuan_str(done.total_fen)} 元"
        f"（年利率 {done.annual_rate}）"
    )


@ledger_app.command("check")
def check() -> None:
    """对账: check the books balance and every balance equals its journal."""
    with _work() as session:
        problems = check_books(session)
        totals = trial_balance(session)
        overdue = loans.arrears(session)
    for gl, amount in totals.items():
        console.print(f"{gl.value:<18}{yuan_str(amount):>20}")
    _print_arrears(overdue)  # not a fault of the books, but the first thing an auditor asks
    if problems:
        for problem in problems:
            console.print(f"[red]{problem}[/red]")
        raise typer.Exit(1)
    console.print("[green]账平：借贷平衡，账户余额与明细一致，无负余额[/green]")
