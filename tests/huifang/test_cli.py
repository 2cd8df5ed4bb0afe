"""The `huifang` command as an operator uses it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from core_ledger.org import service as org
from core_ledger.org.models import Staff
from kernel.audit import AuditAction, AuditEvent
from kernel.auth import User, verify_password
from tests.conftest import Bind

# `huifang` runs as a subprocess here: it reads and writes committed data only.
pytestmark = pytest.mark.committed


def _huifang(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "huifang", *args],
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    env = {"HUIFANG_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    result = _huifang("serve", "--port", "1", env=env)
    assert result.returncode == 2
    assert "huifang db upgrade" in result.stdout
    upgraded = _huifang("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr


def test_user_add_reads_the_password_from_stdin(engine: Bind) -> None:
    result = _huifang("user", "add", "zhang", "--role", "operator", stdin="s3cret-pass\n")
    assert result.returncode == 0, result.stderr
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "zhang")).one()
    assert user.role == "operator"
    assert verify_password("s3cret-pass", user.password_hash)


def test_user_add_explains_a_bad_role_and_a_short_password(engine: Bind) -> None:
    bad_role = _huifang("user", "add", "li", "--role", "boss", stdin="long-enough\n")
    assert bad_role.returncode == 1
    assert "未知角色" in bad_role.stdout
    short = _huifang("user", "add", "li", "--role", "manager", stdin="short\n")
    assert short.returncode == 1
    assert "至少需要 8 位" in short.stdout


def test_user_add_seats_a_teller_at_their_staff_record_and_audits_it(engine: Bind) -> None:
    with Session(engine) as session:
        org.create_outlet(session, code="WD01", name="城东网点")
        org.create_staff(session, code="T01", name="李娜", outlet_code="WD01", phone="13900001111")
        session.commit()
    unseated = _huifang("user", "add", "lina", "--role", "teller", stdin="lina-pass-1\n")
    assert unseated.returncode == 1 and "柜员账号须关联员工档案" in unseated.stdout
    seated = _huifang(
        "user", "add", "lina", "--role", "teller", "--staff", "T01", stdin="lina-pass-1\n"
    )
    assert seated.returncode == 0 and "已添加用户 lina（柜员）" in seated.stdout
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "lina")).one()
        event = session.exec(select(AuditEvent).where(AuditEvent.subject == "user:lina")).one()
        staff = session.get(Staff, user.staff_id)
    assert staff is not None and staff.code == "T01"
    assert (event.actor, event.action) == ("cli", AuditAction.user_create)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HUIFANG_CALLING_WINDOWS", "25:00-26:00"),
        ("HUIFANG_CALLING_DAYS", "sometimes"),
        ("HUIFANG_POINTS_SATISFIED", "120"),
        ("HUIFANG_VOICE_ATTEMPTS", "many"),
    ],
)
def test_a_bad_setting_stops_start_up_naming_it(variable: str, value: str) -> None:
    result = _huifang("worker", "--burst", env={variable: value})
    assert result.returncode != 0
    assert variable in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


REAL_TWILIO = {"HUIFANG_TWILIO_API_BASE_URL": "https://api.twilio.com"}


def test_real_twilio_with_the_development_defaults_refuses_to_start() -> None:
    result = _huifang("worker", "--burst", env=REAL_TWILIO)
    assert result.returncode == 2
    for variable in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_URL"):
        assert f"HUIFANG_{variable}" in result.stdout
    assert "Traceback" not in result.stderr
    plain_http = {
        **REAL_TWILIO,
        "HUIFANG_TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "HUIFANG_TWILIO_AUTH_TOKEN": "2" * 32,
        "HUIFANG_PUBLIC_URL": "http://huifang.example.cn",
    }
    result = _huifang("worker", "--burst", env=plain_http)
    assert result.returncode == 2 and "应使用 https" in result.stdout


def test_real_twilio_with_real_settings_starts(engine: Bind) -> None:
    settings = {
        **REAL_TWILIO,
        "HUIFANG_TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "HUIFANG_TWILIO_AUTH_TOKEN": "2" * 32,
        "HUIFANG_PUBLIC_URL": "https://huifang.example.cn",
        "HUIFANG_LINK_SECRET": "a-long-random-secret-of-the-centre",
        # Twilio cannot show a +86 caller ID: a number of the account (not asked for here).
        "HUIFANG_TWILIO_FROM_NUMBER": "+12025550123",
        "HUIFANG_TWILIO_CHECK_FROM_AT_STARTUP": "false",
    }
    result = _huifang("worker", "--burst", env=settings)  # nothing is due: no call to Twilio
    assert result.returncode == 0, result.stdout + result.stderr
