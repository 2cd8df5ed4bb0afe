"""`huifang person export|erase ID_NUMBER`: a data-subject request (个人信息主体请求), audited."""

import getpass
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from huifang.person import erase_person, export_person
from kernel.db import session_scope
from kernel.errors import DomainError

person_app = typer.Typer(help="One person's data: export it, or erase it.", no_args_is_help=True)
console = Console(soft_wrap=True)  # a report may be piped: no wrapping inside a sentence
Reason = Annotated[str, typer.Option(help="Why (the request's reference): goes in the audit log")]


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _reason(reason: str) -> str:
    if not reason.strip():
        console.print("[red]请用 --reason 说明原因（如：本人申请，受理编号 2026-017）[/red]")
        raise typer.Exit(2)
    return reason.strip()[:500]


@person_app.command("export")
def person_export(
    id_number: str,
    reason: Reason = "",
    out: Annotated[Path | None, typer.Option(help="Write the JSON here (default stdout)")] = None,
) -> None:
    """Everything we hold on the person with this resident ID, as JSON for them."""
    why = _reason(reason)
    try:
        with session_scope() as session:
            document = export_person(session, id_number=id_number, actor=_actor(), reason=why)
    except DomainError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if out is None:
        typer.echo(text)
        return
    out.write_text(text, encoding="utf-8")
    out.chmod(0o600)
    console.print(f"[green]已导出到 {out}（含完整号码，仅交本人；本次导出已记入审计日志）[/green]")


@person_app.command("erase")
def person_erase(id_number: str, reason: Reason = "") -> None:
    """Pseudonymise the person's callback data; say what the law makes us keep, and why."""
    why = _reason(reason)
    try:
        with session_scope() as session:
            done = erase_person(session, id_number=id_number, actor=_actor(), reason=why)
    except DomainError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error
    console.print(
        f"[green]已去标识化：回访任务 {done.tasks} 个（其中停止回访 {done.closed} 个），"
        f"原话 {done.answers} 条，录音与转写 {done.recordings} 条，短信 {done.sms} 条，"
        f"评分中的号码 {done.ratings} 条，业务事件 {done.events} 个。[/green]"
    )
    console.print("依法保留：")
    for what, why_kept in done.kept:
        console.print(f"  · {what} —— {why_kept}")
