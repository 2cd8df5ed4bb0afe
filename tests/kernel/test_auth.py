"""Passwords: argon2 for every new hash; an old PBKDF2 hash still signs in, and is replaced."""

import hashlib
import secrets

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from kernel.auth import Role, User, create_user, hash_password, verify_password
from tests.conftest import Bind


def pbkdf2_hash_from_before(password: str) -> str:
    """A hash as Huifang wrote them before argon2: pbkdf2$rounds$salt$hex."""
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 240_000)
    return f"pbkdf2$240000${salt}${digest.hex()}"


def stored_hash(engine: Bind, username: str) -> str:
    with Session(engine) as session:
        return session.exec(select(User.password_hash).where(User.username == username)).one()


def sign_in(client: TestClient, username: str, password: str) -> int:
    form = {"username": username, "password": password}
    return client.post("/api/auth/token", data=form).status_code


def test_a_new_password_is_hashed_with_argon2id(session: Session) -> None:
    user = create_user(session, username="wang", role="operator", password="s3cret-pass")
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password("s3cret-pass", user.password_hash)
    assert not verify_password("s3cret-pasS", user.password_hash)


def test_two_hashes_of_one_password_differ_by_their_salt() -> None:
    assert hash_password("s3cret-pass") != hash_password("s3cret-pass")


def test_an_unreadable_stored_hash_refuses_rather_than_fails() -> None:
    for stored in ("", "plain-text", "pbkdf2$x$y", "pbkdf2$0$salt$00", "$argon2id$broken"):
        assert not verify_password("s3cret-pass", stored)


def test_an_old_pbkdf2_hash_signs_in_and_is_upgraded_to_argon2(
    client: TestClient, engine: Bind
) -> None:
    old = pbkdf2_hash_from_before("old-pass-123")
    with Session(engine) as session:
        session.add(User(username="li", role=Role.teller, password_hash=old))
        session.commit()
    assert sign_in(client, "li", "wrong-pass-123") == 401
    assert stored_hash(engine, "li") == old  # a failed sign-in changes nothing
    assert sign_in(client, "li", "old-pass-123") == 200
    upgraded = stored_hash(engine, "li")
    assert upgraded.startswith("$argon2id$")
    assert sign_in(client, "li", "old-pass-123") == 200
    assert stored_hash(engine, "li") == upgraded  # an argon2 hash is kept as it is
    assert sign_in(client, "li", "wrong-pass-123") == 401


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(
    client: TestClient, engine: Bind
) -> None:
    with Session(engine) as session:
        create_user(session, username="zhao", role="manager", password="right-pass-1")
        session.commit()
    wrong = client.post("/api/auth/token", data={"username": "zhao", "password": "nope-nope"})
    unknown = client.post("/api/auth/token", data={"username": "nobody", "password": "nope-nope"})
    assert (wrong.status_code, wrong.json()) == (unknown.status_code, unknown.json())
    assert unknown.status_code == 401


def test_a_disabled_account_cannot_sign_in_and_its_tokens_stop_working(
    client: TestClient, engine: Bind
) -> None:
    with Session(engine) as session:
        create_user(session, username="zhao", role="operator", password="zhao-pass-1")
        session.commit()
    token = client.post("/api/auth/token", data={"username": "zhao", "password": "zhao-pass-1"})
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert client.get("/api/callbacks/exceptions", headers=bearer).status_code != 401
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "zhao")).one()
        user.is_active = False
        session.add(user)
        session.commit()
    assert client.get("/api/callbacks/exceptions", headers=bearer).status_code == 401
    assert sign_in(client, "zhao", "zhao-pass-1") == 401


def test_audit_records_join_the_act_s_transaction(session: Session) -> None:
    from kernel.audit import AUDIT_ACTION_LABELS, AuditAction, AuditEvent, record_audit

    assert set(AUDIT_ACTION_LABELS) == set(AuditAction)
    record_audit(session, actor="wang", action=AuditAction.reveal_phone, subject="callback_task:7")
    session.rollback()
    assert session.exec(select(AuditEvent)).all() == []
    record_audit(session, actor="wang", action=AuditAction.export, subject="rankings:2026-11")
    session.commit()
    (event,) = session.exec(select(AuditEvent)).all()
    assert (event.actor, event.action, event.subject) == ("wang", "export", "rankings:2026-11")
