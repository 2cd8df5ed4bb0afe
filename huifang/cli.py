"""The `huifang` command."""

import sys
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from admin.users.service import add_account
from huifang import cli_feed, migrate
from huifang.cli_attendance import attendance
from huifang.cli_keys import keys_app
from huifang.cli_ledger import ledger_app
from huifang.cli_person import person_app
from huifang.cli_rank import rank
from huifang.settings import load_settings
from ivr.twilio.startup import from_number_problems
from kernel.auth import ROLE_LABELS, Role
from kernel.db import session_scope
from kernel.errors import DomainError

app = typer.Typer(
    help="Huifang 回访 — 12329 satisfaction callbacks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="People who sign in.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
ledger_app.command("feed")(cli_feed.feed)
app.add_typer(ledger_app, name="ledger")
app.add_typer(keys_app, name="keys")
app.add_typer(person_app, name="person")
app.command()(rank)
app.command()(attendance)
console = Console()


def _database_url() -> str:
    return load_settings().kernel.effective_database_url()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    migrate.upgrade(_database_url())
    console.print("[green]数据库已迁移到最新版本[/green]")


def require_migrated() -> None:
    """Stop with a clear message when the database is behind the code."""
    missing = migrate.pending(_database_url())
    if missing:
        console.print(
            "[red]数据库尚未迁移到最新版本（缺少 "
            f"{', '.join(sorted(missing))}）。请先运行：huifang db upgrade[/red]"
        )
        raise typer.Exit(2)


def require_twilio_ready() -> None:
    """Stop when the settings point at real Twilio but are still the development defaults,
    or name a From number Twilio cannot use for +86 (with the reason)."""
    ivr = load_settings().ivr
    problems = ivr.twilio_problems()
    check = ivr.twilio_check_from_at_startup
    if ivr.talks_to_twilio() or check:
        # The account is asked unless told not to, and only with credentials not wrong already.
        problems += from_number_problems(ivr, ask_account=check is not False and not problems)
    if problems:
        for problem in problems:
            console.print(f"[red]配置错误：{problem}[/red]")
        console.print(
            "（调试或演示时请把 HUIFANG_TWILIO_API_BASE_URL 指向本地模拟器：huifang emulator）"
        )
        raise typer.Exit(2)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (metrics shared)", min=1)] = 1,
    graceful_seconds: Annotated[
        float, typer.Option(help="On SIGTERM, how long in-flight requests may finish")
    ] = 30.0,
) -> None:
    """Serve the API, the Twilio webhooks and the web pages."""
    require_migrated()
    require_twilio_ready()
    _logging()
    if workers > 1:
        _shared_metrics_dir()
        uvicorn.run(
            "huifang.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            timeout_graceful_shutdown=int(graceful_seconds),
        )
        return
    from huifang.app import create_app

    uvicorn.run(
        create_app(),
        host=host,
        port=port,
        log_config=None,
        timeout_graceful_shutdown=int(graceful_seconds),
    )


def _logging() -> None:
    """JSON lines by default (HUIFANG_LOG_FORMAT=text for a terminal), request ids, masks."""
    from kernel.logs import configure_logging

    settings = load_settings().kernel
    configure_logging(fmt=settings.log_format, level=settings.log_level)


def _shared_metrics_dir() -> None:
    """Several uvicorn processes: prometheus-client's multi-process mode, in a fresh folder."""
    import os
    import shutil

    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        folder = load_settings().kernel.var_dir.resolve() / "prometheus"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


@app.command()
def worker(
    burst: Annotated[bool, typer.Option(help="Work until nothing is due, then exit")] = False,
    tick_seconds: Annotated[float, typer.Option(help="Reconciler period")] = 5.0,
    check: Annotated[
        bool, typer.Option("--check", help="Check database, schema, Redis and speech; exit 0/1")
    ] = False,
) -> None:
    """Run callback jobs (RQ) with the reconciler; SIGTERM lets the running job finish."""
    if check:
        _worker_check()
        return
    require_migrated()
    require_twilio_ready()
    _logging()
    from huifang.worker import run_burst, run_forever

    if burst:
        totals = run_burst()
        console.print(f"relayed {totals['relayed']} events, queued {totals['queued']} calls")
    else:
        run_forever(tick_seconds=tick_seconds)


def _worker_check() -> None:
    """What /readyz says, for a worker host's supervisor: exit 0 when all is well, else 1."""
    from huifang.ops import readiness
    from ivr.voice.spoken import warm_up

    warm_up()  # a worker loads the model before its first spoken answer: check that it can
    checks = readiness()
    for name, state in checks.items():
        mark = "[green]✓[/green]" if state == "ok" else "[red]✗[/red]"
        console.print(f"{mark} {name}: {'正常' if state == 'ok' else state}")
    if any(state != "ok" for state in checks.values()):
        raise typer.Exit(1)


@app.command()
def emulator(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8020,
) -> None:
    """Run the local Twilio emulator."""
    from twilio_emulator.app import create_emulator_app

    uvicorn.run(create_emulator_app(), host=host, port=port, log_level="warning")


@app.command()
def demo(
    once: Annotated[bool, typer.Option(help="Exit after printing the ranking")] = False,
    depositors: Annotated[int, typer.Option(help="How many depositors to seed")] = 300,
) -> None:
    """Seed a centre, run a month of callbacks end to end, show the ranking and the dashboard."""
    from huifang.demo.run import run_demo

    run_demo(once=once, depositors=depositors)


@user_app.command("add")
def user_add(
    name: str,
    role: Annotated[
        str,
        typer.Option(help="、".join(f"{r.value}（{label}）" for r, label in ROLE_LABELS.items())),
    ],
    staff: Annotated[
        str, typer.Option(help="员工编号：柜员、网点负责人必填（账号以此人身份办理业务）")
    ] = "",
) -> None:
    """Add a user (audited, as the admins' page does); the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else ""
    if not password:
        password = typer.prompt("密码", hide_input=True, confirmation_prompt=True)
    try:
        with session_scope() as session:
            add_account(
                session, actor="cli", username=name, role=role, password=password, staff_code=staff
            )
    except DomainError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from error
    console.print(f"[green]已添加用户 {name}（{ROLE_LABELS[Role(role)]}）[/green]")


def main() -> None:
    """Entry point for `python -m huifang`."""
    app()
