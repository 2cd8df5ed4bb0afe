"""Personal data sealed at rest: AES-GCM under a rotating ring, a blind index for lookups."""

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select

from huifang.settings import StartupError, clear_caches, load_settings
from kernel.crypto import (
    EncryptedBytes,
    EncryptedString,
    Keyring,
    KeyringMissing,
    Undecryptable,
    decrypt_bytes,
    decrypt_text,
    encrypt_bytes,
    encrypt_text,
    get_keyring,
    id_number_index,
    key_file_path,
    key_id_of,
    phone_index,
    write_key_file,
)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """A var dir of the test's own, so each test makes or reads its own key ring."""
    monkeypatch.setenv("HUIFANG_VAR_DIR", str(tmp_path))
    for name in ("HUIFANG_KEYS", "HUIFANG_KEY_FILE", "HUIFANG_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    clear_caches()
    yield monkeypatch
    monkeypatch.undo()
    clear_caches()


def test_a_phone_is_sealed_and_opens_only_in_its_own_column(env: pytest.MonkeyPatch) -> None:
    token = encrypt_text("+8613812345678", context="depositor.phone")
    assert "13812345678" not in token and token.startswith("hf1$k1$")
    assert encrypt_text("+8613812345678", context="depositor.phone") != token  # fresh nonce
    assert decrypt_text(token, context="depositor.phone") == "+8613812345678"
    with pytest.raises(Undecryptable):
        decrypt_text(token, context="staff.phone")  # copied into another column: refused
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(Undecryptable):
        decrypt_text(tampered, context="depositor.phone")
    with pytest.raises(Undecryptable):
        decrypt_text("+8613812345678", context="depositor.phone")  # never read as plain


def test_bytes_are_sealed_too(env: pytest.MonkeyPatch) -> None:
    audio = b"RIFF" + bytes(range(256)) * 4
    token = encrypt_bytes(audio, context="voice_recording.audio")
    assert audio[8:200] not in token and key_id_of(token) == "k1"
    assert decrypt_bytes(token, context="voice_recording.audio") == audio


def test_the_demo_makes_its_own_key_file_readable_by_its_owner_only(
    env: pytest.MonkeyPatch,
) -> None:
    ring = get_keyring()
    path = key_file_path()
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    clear_caches()
    assert get_keyring().keys == ring.keys  # the next process reads the same key


def test_production_refuses_to_start_without_a_key(env: pytest.MonkeyPatch) -> None:
    env.setenv("HUIFANG_ENVIRONMENT", "production")
    clear_caches()
    with pytest.raises(StartupError, match="生产环境必须提供加密密钥"):
        load_settings()
    assert not key_file_path().exists()
    env.setenv("HUIFANG_KEYS", Keyring.generate().to_json())
    clear_caches()
    assert load_settings().kernel.environment == "production"


def test_a_key_file_named_but_missing_is_refused(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("HUIFANG_KEY_FILE", str(tmp_path / "nowhere.json"))
    clear_caches()
    with pytest.raises(KeyringMissing, match="密钥文件不存在"):
        get_keyring()


def test_a_malformed_ring_is_refused_with_a_message(env: pytest.MonkeyPatch) -> None:
    for text in ("not json", '{"current": "k9", "keys": {}, "index": "AA"}'):
        with pytest.raises(KeyringMissing, match="密钥格式不正确"):
            Keyring.from_json(text)


def test_after_rotation_old_values_still_open_and_new_ones_use_the_new_key(
    env: pytest.MonkeyPatch,
) -> None:
    old = encrypt_text("110101199003071234", context="depositor.id_number")
    index_before = id_number_index("110101199003071234")
    write_key_file(key_file_path(), get_keyring().rotated(), replace=True)
    clear_caches()
    assert get_keyring().current == "k2"
    new = encrypt_text("110101199003071234", context="depositor.id_number")
    assert key_id_of(old) == "k1" and key_id_of(new) == "k2"
    assert decrypt_text(old, context="depositor.id_number") == "110101199003071234"
    assert id_number_index("110101199003071234") == index_before  # lookups survive rotation


def test_the_blind_index_is_keyed_and_separates_kinds(env: pytest.MonkeyPatch) -> None:
    assert phone_index("+8613812345678") == phone_index("+8613812345678")
    assert phone_index("+8613812345678") != phone_index("+8613812345679")
    assert phone_index("+8613812345678") != Keyring.generate().index("phone", "+8613812345678")
    assert len(phone_index("+8613812345678")) == 32


def test_an_encrypted_column_refuses_sql_equality(env: pytest.MonkeyPatch) -> None:
    table = Table(
        "t",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("phone", EncryptedString("t.phone")),
        Column("audio", EncryptedBytes("t.audio")),
    )
    with pytest.raises(TypeError, match="blind index"):
        select(table).where(table.c.phone == "+8613812345678")
    with pytest.raises(TypeError, match="blind index"):
        select(table).where(table.c.phone.in_(["+8613812345678"]))
    select(table).where(table.c.audio.is_(None))  # IS NULL is fine


def test_encrypted_columns_round_trip_through_the_database(env: pytest.MonkeyPatch) -> None:
    from sqlalchemy import create_engine

    table = Table(
        "sealed",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("phone", EncryptedString("sealed.phone")),
        Column("audio", EncryptedBytes("sealed.audio")),
    )
    engine = create_engine(f"sqlite:///{os.environ['HUIFANG_VAR_DIR']}/t.db")
    table.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"phone": "+8613812345678", "audio": b"\x00\x01"}])
        raw = connection.exec_driver_sql("select phone, audio from sealed").one()
        assert "13812345678" not in raw[0] and raw[1] != b"\x00\x01"
        assert connection.execute(select(table.c.phone, table.c.audio)).one() == (
            "+8613812345678",
            b"\x00\x01",
        )
    engine.dispose()
