"""`huifang ledger feed FILE`: a batch file from the core system (核心业务系统), all or nothing."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from core_ledger.feed.config import get_feed_settings
from core_ledger.feed.files import read_records
from core_ledger.feed.records import FIELD_ZH
from core_ledger.feed.service import FeedOutcome, FeedRefused, accept_records
from kernel.db import session_scope
from kernel.errors import DomainError

console = Console()
SHOWN = 200  # rows listed on screen; the count says how many more


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _refusal(refused: FeedRefused) -> None:
    table = Table(
        title=f"有 {len(refused.problems)} 处错误，整批未写入（请改正后重新发送整个文件）"
    )
    for column in ("行号", "字段", "原因"):
        table.add_column(column)
    for problem in refused.problems[:SHOWN]:
        table.add_row(str(problem.row), FIELD_ZH.get(problem.field, problem.field), problem.reason)
    console.print(table)
    if len(refused.problems) > SHOWN:
        console.print(f"……另有 {len(refused.problems) - SHOWN} 处错误未列出")


def _accept(path: Path, *, source: str, check: bool) -> FeedOutcome:
    data = path.read_bytes()
    with _progress() as progress:
        reading = progress.add_task(f"读取 {path.name}", total=None)
        rows = read_records(
            data, filename=path.name, on_row=lambda n: progress.update(reading, completed=n)
        )
        progress.update(reading, total=len(rows), completed=len(rows))
        checking = progress.add_task("逐行校验", total=len(rows))

        def report(stage: str, done: int) -> None:
            if stage == "check":
                progress.update(checking, completed=done)
            else:  # only once every row passed: the records written
                progress.add_task("写入新记录", total=done, completed=done)

        with session_scope() as session:
            outcome = accept_records(
                session,
                source=source,
                rows=rows,
                channel="file",
                received_by=path.name,
                check_only=check,
                progress=report,
            )
    return outcome


def feed(
    file: Annotated[Path, typer.Argument(help="核心业务系统导出的 .xlsx 或 .csv 文件")],
    source: Annotated[
        str | None, typer.Option(help="来源系统标识（幂等按 来源+业务流水号），默认 core")
    ] = None,
    check: Annotated[bool, typer.Option("--check", help="只校验，不写入")] = False,
) -> None:
    """核心业务系统数据接入: withdrawals and loans posted there; all or nothing."""
    if not file.is_file():
        console.print(f"[red]找不到文件 {file}[/red]")
        raise typer.Exit(2)
    try:
        outcome = _accept(
            file, source=source or get_feed_settings().feed_default_source, check=check
        )
    except FeedRefused as refused:
        _refusal(refused)
        raise typer.Exit(1) from refused
    except DomainError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error
    colour = "green" if outcome.written or check else "yellow"
    console.print(
        f"[{colour}]{outcome.message}[/{colour}]" + ("（只校验，未写入）" if check else "")
    )
