"""`huifang rank`: a ranking of any kind and period, as a table or an Excel workbook."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kernel.db import session_scope
from kernel.errors import DomainError
from kernel.periods import Period, parse_period
from scoring.config import get_scoring_settings
from scoring.export import (
    HEADERS,
    alerted,
    ranking_cells,
    ranking_rows,
    ranking_workbook,
    sample_name,
)
from scoring.rankings import KIND_NAMES, RankedSubject

console = Console()


class RankKind(StrEnum):
    outlet = "outlet"
    teller = "teller"
    department = "department"
    leader = "leader"


def _fmt(value: object, percent: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1%}" if percent else f"{value:.1f}"
    return str(value)


def _table(kind: RankKind, period: Period, rows: list[RankedSubject], flagged: set[str]) -> Table:
    table = Table(title=f"{KIND_NAMES[kind]}满意度排名 · {period.label}")
    for header in HEADERS:
        name = sample_name(kind) if header == "人次" else header
        table.add_column(
            name, justify="left" if header in ("名称", "编码", "所属/职务") else "right"
        )
    for row in rows:
        shown = [_fmt(c, percent=i == 8) for i, c in enumerate(ranking_cells(row))]
        style = "red" if row.subject.code in flagged else ("dim" if row.rank is None else None)
        table.add_row(*shown, style=style)
    return table


def rank(
    period: Annotated[str, typer.Option(help="2026-11 (month), 2026-Q4 (quarter) or 2026 (year)")],
    kind: Annotated[RankKind, typer.Option(help="What to rank")] = RankKind.outlet,
    xlsx: Annotated[Path | None, typer.Option(help="Also write an Excel workbook here")] = None,
) -> None:
    """Print a ranking of outlets, tellers, departments or leaders; optionally as Excel."""
    try:
        parsed = parse_period(period)
        with session_scope() as session:
            rows = ranking_rows(session, kind=kind.value, period=parsed)
            alerts = alerted(session, period=parsed) if kind is RankKind.outlet else {}
    except DomainError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(2) from error
    if not any(row.responses for row in rows):
        console.print(f"[yellow]{parsed.label}暂无{KIND_NAMES[kind]}评价数据[/yellow]")
    console.print(_table(kind, parsed, rows, set(alerts)))
    centre = rows[0].centre_score if rows else None
    if centre is not None:
        level = get_scoring_settings().INTERVAL_LEVEL
        console.print(
            f"全中心平均分 {centre:.1f}；区间为 {level:.0%} 可信区间；"
            "人次：一次回访或一张测评票计一人次，得分为其各项评价的平均。"
        )
    for sentence in alerts.values():
        console.print(f"[red]约谈提醒：{sentence}[/red]")
    if xlsx is not None:
        xlsx.parent.mkdir(parents=True, exist_ok=True)
        xlsx.write_bytes(ranking_workbook(kind=kind.value, period=parsed, rows=rows))
        console.print(f"[green]已写入 {xlsx}[/green]")
