"""`huifang rank`: a ranking of any kind and period, as a table or an Excel workbook."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from rich.console import Console
from rich.table import Table

from kernel.db import session_scope
from kernel.errors import DomainError
from scoring.alerts import bottom_codes
from scoring.config import get_scoring_settings
from scoring.evaluations import evaluation_ranking
from scoring.periods import Period, PeriodKind, parse_period
from scoring.rankings import KIND_NAMES, RankedSubject, as_callback_kind, callback_ranking

console = Console()


class RankKind(StrEnum):
    outlet = "outlet"
    teller = "teller"
    department = "department"
    leader = "leader"


HEADERS = (
    "名次", "名称", "编码", "所属/职务", "得分", "排名分", "区间下限", "区间上限",
    "满意率", "样本", "非常满意", "满意", "不满意", "小样本",
)  # fmt: skip


def _rows(kind: RankKind, period: Period) -> tuple[list[RankedSubject], set[str]]:
    """The ranking, and the outlets last this month and the month before (约谈)."""
    with session_scope() as session:
        if kind in (RankKind.outlet, RankKind.teller):
            rows = callback_ranking(
                session, kind=as_callback_kind(kind), period=period, include_unrated=True
            )
        else:
            rows = evaluation_ranking(session, kind=kind.value, period=period, include_unrated=True)
        twice: set[str] = set()
        if kind is RankKind.outlet and period.kind is PeriodKind.month:
            before = callback_ranking(session, kind="outlet", period=period.previous())
            twice = bottom_codes(rows) & bottom_codes(before)
    return rows, twice


def _cells(row: RankedSubject) -> list[object]:
    s = row.summary
    low, high = s.interval if s.interval else (None, None)
    return [
        row.rank, row.subject.name, row.subject.code, row.subject.group, s.score, s.rank_score,
        low, high, s.satisfaction_rate, row.responses, s.counts.very_satisfied,
        s.counts.satisfied, s.counts.unsatisfied, "是" if s.small_sample and s.answers else "",
    ]  # fmt: skip


def _fmt(value: object, percent: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1%}" if percent else f"{value:.1f}"
    return str(value)


def _table(kind: RankKind, period: Period, rows: list[RankedSubject], twice: set[str]) -> Table:
    sample = "回访数" if kind in (RankKind.outlet, RankKind.teller) else "测评票数"
    table = Table(title=f"{KIND_NAMES[kind]}满意度排名 · {period.label}")
    for header in HEADERS:
        name = sample if header == "样本" else header
        table.add_column(
            name, justify="left" if header in ("名称", "编码", "所属/职务") else "right"
        )
    for row in rows:
        cells = _cells(row)
        shown = [_fmt(c, percent=i == 8) for i, c in enumerate(cells)]
        style = "red" if row.subject.code in twice else ("dim" if row.rank is None else None)
        table.add_row(*shown, style=style)
    return table


def _workbook(path: Path, kind: RankKind, period: Period, rows: list[RankedSubject]) -> None:
    settings = get_scoring_settings()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{KIND_NAMES[kind]}排名"
    sheet.append([f"{KIND_NAMES[kind]}满意度排名 · {period.label}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(HEADERS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F3")
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        sheet.append(_cells(row))
        for column in (5, 6, 7, 8):
            sheet.cell(row=sheet.max_row, column=column).number_format = "0.0"
        sheet.cell(row=sheet.max_row, column=9).number_format = "0.0%"
    for letter, width in zip("ABCDEFGHIJKLMN", (6, 18, 10, 16) + (9,) * 10, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"
    notes = book.create_sheet("评分方法")
    for line in (
        f"得分 = 每个有效回答的平均分：非常满意 {settings.POINTS_VERY_SATISFIED:g} 分、"
        f"满意 {settings.POINTS_SATISFIED:g} 分、不满意 {settings.POINTS_UNSATISFIED:g} 分。",
        "满意率 = (非常满意 + 满意) ÷ 有效回答数。",
        f"区间：{settings.INTERVAL_LEVEL:.0%} 可信区间（Dirichlet(1,1,1) 后验），"
        "样本越少区间越宽。",
        f"小样本：有效回答少于 {settings.MIN_ANSWERS} 个。",
        (
            f"排名分：向全中心平均分收缩（相当于加入 {settings.SHRINK_STRENGTH:g} 个"
            "按中心平均计分的回答），并列者名次相同，下一名次顺延。"
            if settings.SHRINK_SMALL_SAMPLES
            else "排名分即得分（未启用小样本收缩），并列者名次相同，下一名次顺延。"
        ),
        "回访评价中被标记为异常号码（工作人员号码、多人共用号码）的，在人工核实前不计入。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def rank(
    period: Annotated[str, typer.Option(help="2026-11 (month), 2026-Q4 (quarter) or 2026 (year)")],
    kind: Annotated[RankKind, typer.Option(help="What to rank")] = RankKind.outlet,
    xlsx: Annotated[Path | None, typer.Option(help="Also write an Excel workbook here")] = None,
) -> None:
    """Print a ranking of outlets, tellers, departments or leaders; optionally as Excel."""
    try:
        parsed = parse_period(period)
        rows, twice = _rows(kind, parsed)
    except DomainError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(2) from error
    if not any(row.responses for row in rows):
        console.print(f"[yellow]{parsed.label}暂无{KIND_NAMES[kind]}评价数据[/yellow]")
    console.print(_table(kind, parsed, rows, twice))
    centre = rows[0].centre_score if rows else None
    if centre is not None:
        level = get_scoring_settings().INTERVAL_LEVEL
        console.print(f"全中心平均分 {centre:.1f}；区间为 {level:.0%} 可信区间。")
    for code in sorted(twice):
        console.print(f"[red]约谈提醒：{code} 连续两个月排名末位[/red]")
    if xlsx is not None:
        _workbook(xlsx, kind, parsed, rows)
        console.print(f"[green]已写入 {xlsx}[/green]")
