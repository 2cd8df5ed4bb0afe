"""The sealing migration (05b32c07a3d2) seals the rows a centre already has, and can go back."""

import json
import os
import secrets
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from huifang.migrate import alembic_config
from kernel.crypto import decrypt_text, id_number_index, key_id_of, phone_index
from kernel.db import driver_url
from tests.conftest import PG_DEFAULT, _postgres_admin_url

BEFORE, SEALING = "04ef753752e6", "05b32c07a3d2"
ID_NUMBER, PHONE, STAFF_PHONE = "11010519491231002X", "+8613812345678", "+8613900001111"


@pytest.fixture
def old_database() -> Iterator[str]:
    """A PostgreSQL database of its own, migrated to just before the sealing migration."""
    admin_url = _postgres_admin_url() or os.environ.get("HUIFANG_TEST_DATABASE_URL", PG_DEFAULT)
    if _postgres_admin_url() is None:
        pytest.skip("the sealing migration is tested on PostgreSQL")
    name = f"huifang_seal_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(driver_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        command.upgrade(alembic_config(url), BEFORE)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _plain_rows(engine: Engine) -> None:
    payload = {"person": {"name": "王芳", "phone": PHONE}, "outlet_id": 1}
    statements = [
        "insert into outlet (id, code, name, created_at) values (1, 'WD01', '城东网点', now())",
        "insert into staff (id, code, name, outlet_id, phone)"
        f" values (1, 'T01', '李娜', 1, '{STAFF_PHONE}')",
        "insert into depositor (id, id_number, name, phone, created_at)"
        f" values (1, '{ID_NUMBER}', '王芳', '{PHONE}', now())",
        "insert into outbox_event (id, kind, aggregate_id, payload, created_at) values "
        f"(1, 'withdrawal.completed', 1, '{json.dumps(payload, ensure_ascii=False)}', now())",
        "insert into callback_task (id, event_id, audience, kind, business_kind, business_id,"
        " business_at, outlet_id, outlet_name, person_name, phone, status, attempts_made,"
        " created_at, loans_covered) values (1, 1, 'depositor', 'survey', 'withdrawal', 1,"
        f" now(), 1, '城东网点', '王芳', '{PHONE}', 'scheduled', 0, now(), 1)",
        "insert into do_not_call (id, phone, reason, actor, created_at) values"
        f" (1, '{PHONE}', 'opted_out', 'twilio', now())",
        "insert into sms_message (id, message_sid, direction, phone, body, status, created_at,"
        f" updated_at) values (1, 'SM1', 'inbound', '{PHONE}', '1 1 2 1', 'received', now(),"
        " now())",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def _dump(engine: Engine) -> str:
    tables = ["staff", "depositor", "outbox_event", "callback_task", "do_not_call", "sms_message"]
    with engine.connect() as connection:
        return "\n".join(
            str(row)
            for table in tables
            for row in connection.execute(text(f"select * from {table}"))
        )


def test_existing_rows_are_sealed_indexed_and_read_back(old_database: str) -> None:
    engine = create_engine(driver_url(old_database))
    try:
        _plain_rows(engine)
        assert PHONE in _dump(engine) and ID_NUMBER in _dump(engine)
        command.upgrade(alembic_config(old_database), SEALING)
        dump = _dump(engine)
        for whole in (PHONE, PHONE[3:], ID_NUMBER, STAFF_PHONE[3:], '王芳", "phone'):
            assert whole not in dump
        with engine.connect() as connection:
            stored = connection.execute(text("select id_number from depositor")).scalar_one()
        assert key_id_of(stored) is not None
        # Read as the migration left them (raw rows: the models may have moved on since).
        with engine.connect() as connection:
            depositor = connection.execute(
                text("select id_number, id_number_index, phone, phone_index from depositor")
            ).one()
            task = connection.execute(text("select phone, phone_index from callback_task")).one()
            listed = connection.execute(text("select phone_index from do_not_call")).scalar_one()
            message = connection.execute(text("select phone_index, body from sms_message")).one()
            staff = connection.execute(text("select phone, phone_index from staff")).one()
            payload = connection.execute(text("select payload from outbox_event")).scalar_one()
        index = phone_index(PHONE)
        assert decrypt_text(depositor[0], context="depositor.id_number") == ID_NUMBER
        assert depositor[1] == id_number_index(ID_NUMBER)
        assert decrypt_text(depositor[2], context="depositor.phone") == PHONE
        assert depositor[3] == task[1] == listed == message[0] == index
        assert decrypt_text(task[0], context="callback_task.phone") == PHONE
        assert decrypt_text(message[1], context="sms_message.body") == "1 1 2 1"
        assert decrypt_text(staff[0], context="staff.phone") == STAFF_PHONE
        assert staff[1] == phone_index(STAFF_PHONE)
        opened = json.loads(decrypt_text(payload, context="outbox_event.payload"))
        assert opened["person"] == {"name": "王芳", "phone": PHONE}
        # Going back opens every value again (the rows stay usable by the older code).
        command.downgrade(alembic_config(old_database), BEFORE)
        assert PHONE in _dump(engine) and ID_NUMBER in _dump(engine)
        command.upgrade(alembic_config(old_database), SEALING)  # and forward again
        assert ID_NUMBER not in _dump(engine)
    finally:
        engine.dispose()
