"""`huifang attendance FILE --month 2026-11`: import a month's 集中考勤 workbook."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kernel.db import session_scope
from kernel.errors import DomainError
from scoring.attendance.imports import AttendanceRefused, import_attendance

console = Console()


def attendance(
    path: Annotated[Path, typer.Argument(help="The month's workbook (.xlsx)")],
    month: Annotated[str, typer.Option(help="The month it covers, e.g. 2026-11")],
    by: Annotated[str, typer.Option(help="Who imports it (kept with each row)")] = "cli",
) -> None:
    """Import a month's attendance: every row checked first, all or nothing, safe to repeat."""
    if not path.is_file():
        console.print(f"[red]找不到文件 {path}[/red]")
        raise typer.Exit(2)
    try:
        with session_scope() as session:
            done = import_attendance(
                session, month=month, data=path.read_bytes(), source=path.name, by=by
            )
    except DomainError as refused:
        console.print(f"[red]{refused.message}[/red]")
        if isinstance(refused, AttendanceRefused):
            for problem in refused.problems:
                console.print(f"  第 {problem.row} 行：{problem.message}")
        raise typer.Exit(1) from refused
    console.print(
        f"[green]已导入 {done.month} 的考勤：新增 {done.created} 人，更新 {done.updated} 人，"
        f"未变 {done.unchanged} 人[/green]"
    )
