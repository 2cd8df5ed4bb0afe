"""`huifang keys rotate`: every value sealed again under a new key, in batches, resumable."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from callbacks.models import CallbackTask
from core_ledger.accounts.models import Depositor
from huifang.cli import app
from huifang.schema import metadata
from huifang.settings import clear_caches
from kernel.crypto import get_keyring, id_number_index, key_id_of, phone_index, write_key_file
from kernel.db import get_engine
from kernel.rekey import count_stale, reseal, sealed_columns
from tests.callbacks.factories import business
from tests.conftest import Bind, _empty_tables

pytestmark = pytest.mark.committed  # the rotation commits a batch at a time on its own engine
runner = CliRunner()
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def key_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A key file of the test's own, holding the ring the session's data is sealed with."""
    path = tmp_path / "keys.json"
    write_key_file(path, get_keyring())
    monkeypatch.setenv("HUIFANG_KEY_FILE", str(path))
    clear_caches()
    yield path
    monkeypatch.undo()
    clear_caches()


def _people(engine: Bind) -> None:
    assert isinstance(engine, Engine)
    _empty_tables(engine)  # the counts below are of this test's rows only
    with Session(engine) as session:
        for n in range(3):
            session.add(
                Depositor(
                    id_number=ID_NUMBER if n == 0 else f"43090219800101{n:03d}X",
                    name=f"王{n}",
                    phone=f"+861381234567{n}",
                )
            )
        business(session, at=datetime(2026, 11, 3, 2, 30, tzinfo=UTC), phone="+8613812345670")
        session.commit()


def _key_ids(engine: Bind) -> set[str | None]:
    with Session(engine) as session:
        rows = session.execute(text("select id_number, phone from depositor")).all()
        payloads = session.execute(text("select payload from outbox_event")).scalars().all()
    return {key_id_of(v) for row in rows for v in row} | {key_id_of(p) for p in payloads}


def test_rotation_reseals_everything_and_lookups_still_work(engine: Bind, key_file: Path) -> None:
    _people(engine)
    assert _key_ids(engine) == {"k1"}
    result = runner.invoke(app, ["keys", "rotate", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "新密钥 k2" in result.output and "剩余 0 个" in result.output
    assert _key_ids(engine) == {"k2"}
    clear_caches()
    with Session(engine) as session:
        found = session.exec(
            select(Depositor).where(Depositor.id_number_index == id_number_index(ID_NUMBER))
        ).one()
        task = session.exec(
            select(CallbackTask).where(CallbackTask.phone_index == phone_index("+8613812345670"))
        ).one()
    assert (found.id_number, found.phone) == (ID_NUMBER, "+8613812345670")
    assert task.phone == "+8613812345670"
    status = runner.invoke(app, ["keys", "status"])
    assert "当前密钥 k2（共 2 个）" in status.output and "值：0" in status.output


def test_an_interrupted_rotation_is_finished_by_resume(engine: Bind, key_file: Path) -> None:
    _people(engine)
    write_key_file(key_file, get_keyring().rotated(), replace=True)
    clear_caches()
    columns = sealed_columns(metadata)
    database = get_engine()
    stale = count_stale(database, columns)
    assert stale >= 7  # 3 ID numbers, 3 phones, the task's phone, the outbox payload…

    def stop_after_first_batch(count: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        reseal(database, columns, batch=2, progress=stop_after_first_batch)
    assert count_stale(database, columns) == stale - 2  # the first batch committed
    assert _key_ids(engine) == {"k1", "k2"}  # both keys open what they sealed meanwhile
    result = runner.invoke(app, ["keys", "rotate", "--resume"])
    assert result.exit_code == 0, result.output
    assert "新密钥" not in result.output and "剩余 0 个" in result.output
    assert _key_ids(engine) == {"k2"}


def test_a_new_key_file_never_replaces_one(key_file: Path, tmp_path: Path) -> None:
    refused = runner.invoke(app, ["keys", "new", "--file", str(key_file)])
    assert refused.exit_code == 1 and "密钥文件已存在" in refused.output
    made = runner.invoke(app, ["keys", "new", "--file", str(tmp_path / "other.json")])
    assert made.exit_code == 0 and (tmp_path / "other.json").stat().st_mode & 0o077 == 0


def test_rotation_refuses_keys_held_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, key_file: Path
) -> None:
    monkeypatch.setenv("HUIFANG_KEYS", key_file.read_text())
    clear_caches()
    refused = runner.invoke(app, ["keys", "rotate"])
    assert refused.exit_code == 2 and "HUIFANG_KEYS" in refused.output
