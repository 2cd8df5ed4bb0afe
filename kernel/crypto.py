"""Personal data encrypted at rest (个人信息加密存储): column types, a blind index, the key ring.

ID numbers, phone numbers and recordings are sensitive personal information under PIPL. Each
value is sealed with AES-GCM (the `cryptography` package; nothing hand-made) under the ring's
current key and carries that key's id in its prefix (`hf1$k2$…`), so old keys keep opening old
values while `huifang keys rotate` re-seals them. The column (`table.column`) is the associated
data: a value copied into another column does not open there.

A sealed value never equals another (a fresh nonce each time), so equality lookups — a depositor
by ID number, every task of one phone, the do-not-call list, "many people gave this number" — go
through a blind index: HMAC-SHA256 under a separate index key, the same for one value in every
table, so lookups across tables still work. Comparing an encrypted column itself in SQL raises
(it would silently match nothing). The index key is not rotated with the sealing keys: every
index would change with it; it lives as long as the data.
"""

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Dialect, LargeBinary, Text, TypeDecorator, event
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlmodel import Field

from kernel.config import get_kernel_settings

PREFIX = "hf1"
_NONCE = 12
PHONE = "phone"  # blind-index kinds: one per kind of value, whatever table holds it
ID_NUMBER = "id_number"
INDEX_LENGTH = 32  # hex characters of the HMAC kept (128 bits)


class KeyringMissing(RuntimeError):
    """No key to seal personal data with, and this environment may not make one."""


class Undecryptable(ValueError):
    """A stored value that no key of the ring opens (wrong key, wrong column, or tampered)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Keyring:
    """The sealing keys by id (the current one seals, all open) and the blind-index key."""

    current: str
    keys: Mapping[str, bytes] = field(repr=False)
    index_key: bytes = field(repr=False)

    @classmethod
    def generate(cls) -> "Keyring":
        """A new ring with one fresh 256-bit key and a fresh index key."""
        return cls(current="k1", keys={"k1": AESGCM.generate_key(256)}, index_key=os.urandom(32))

    def rotated(self) -> "Keyring":
        """The same ring with a new current key (the old ones still open what they sealed)."""
        number = max(int(kid[1:]) for kid in self.keys if kid[1:].isdecimal()) + 1
        kid = f"k{number}"
        return Keyring(kid, {**self.keys, kid: AESGCM.generate_key(256)}, self.index_key)

    @classmethod
    def from_json(cls, text: str) -> "Keyring":
        """Read a ring written by `to_json` (HUIFANG_KEYS or the key file)."""
        try:
            data = json.loads(text)
            keys = {str(kid): _unb64(value) for kid, value in data["keys"].items()}
            ring = cls(str(data["current"]), keys, _unb64(data["index"]))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            message = f"密钥格式不正确（应为 huifang keys new 生成的 JSON）：{error}"
            raise KeyringMissing(message) from None
        if ring.current not in keys or any(len(k) != 32 for k in keys.values()):
            raise KeyringMissing("密钥格式不正确：当前密钥不存在，或密钥长度不是 256 位")
        if any("$" in kid for kid in keys) or len(ring.index_key) < 32:
            raise KeyringMissing("密钥格式不正确：密钥编号不能含 $，索引密钥至少 256 位")
        return ring

    def to_json(self) -> str:
        """The ring as JSON (keep it secret: whoever holds it reads every ID number)."""
        keys = {kid: _b64(key) for kid, key in self.keys.items()}
        return json.dumps({"current": self.current, "keys": keys, "index": _b64(self.index_key)})

    def seal(self, plaintext: bytes, *, context: str) -> tuple[str, bytes]:
        """(key id, nonce + ciphertext + tag) under the current key."""
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, plaintext, context.encode())
        return self.current, nonce + sealed

    def open(self, kid: str, blob: bytes, *, context: str) -> bytes:
        """The plaintext of what `seal` returned; Undecryptable when it does not open."""
        key = self.keys.get(kid)
        if key is None:
            raise Undecryptable(f"{context}: sealed under key {kid!r}, which the ring lacks")
        try:
            return AESGCM(key).decrypt(blob[:_NONCE], blob[_NONCE:], context.encode())
        except InvalidTag:
            raise Undecryptable(f"{context}: a value that does not open (tampered?)") from None

    def index(self, kind: str, value: str) -> str:
        """The blind index of a value of a kind (equal values, equal indexes)."""
        digest = hmac.new(self.index_key, f"{kind}:{value}".encode(), hashlib.sha256)
        return digest.hexdigest()[:INDEX_LENGTH]


def key_file_path() -> Path:
    """Where the key ring file is: HUIFANG_KEY_FILE, or keys.json under the var dir."""
    settings = get_kernel_settings()
    return settings.key_file or settings.var_dir / "keys.json"


def write_key_file(path: Path, ring: Keyring, *, replace: bool = False) -> None:
    """Write a ring readable by its owner only; never over another unless `replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole beside it first, so no reader ever sees half a ring.
    temporary = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(ring.to_json())
    try:
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)  # atomic, and FileExistsError when one is there
    finally:
        temporary.unlink(missing_ok=True)


@lru_cache
def get_keyring() -> Keyring:
    """The ring: HUIFANG_KEYS, else the key file, else (never in production) a new one."""
    settings = get_kernel_settings()
    if settings.keys:
        return Keyring.from_json(settings.keys)
    path = key_file_path()
    if path.exists():
        return Keyring.from_json(path.read_text())
    if settings.key_file is not None:
        raise KeyringMissing(f"HUIFANG_KEY_FILE 指向的密钥文件不存在：{path}")
    if settings.environment == "production":
        raise KeyringMissing(
            "生产环境必须提供加密密钥：设置 HUIFANG_KEY_FILE"
            "（huifang keys new 生成）或 HUIFANG_KEYS"
        )
    # Development and the demo make their own key, once, beside their database; when another
    # process made it first, use theirs.
    with contextlib.suppress(FileExistsError):
        write_key_file(path, Keyring.generate())
    return Keyring.from_json(path.read_text())


def ring_with(kid: str) -> Keyring:
    """The ring, read again once if it lacks `kid` (another process rotated the keys)."""
    ring = get_keyring()
    if kid not in ring.keys:
        get_keyring.cache_clear()
        ring = get_keyring()
    return ring


def encrypt_text(value: str, *, context: str) -> str:
    """A string sealed for one column: 'hf1$<key id>$<base64url>'."""
    kid, blob = get_keyring().seal(value.encode(), context=context)
    return f"{PREFIX}${kid}${_b64(blob)}"


def decrypt_text(token: str, *, context: str) -> str:
    """The string `encrypt_text` sealed for this column."""
    prefix, kid, body = (token.split("$", 2) + ["", ""])[:3]
    if prefix != PREFIX or not body:
        raise Undecryptable(f"{context}: a value stored unencrypted")
    return ring_with(kid).open(kid, _unb64(body), context=context).decode()


def encrypt_bytes(value: bytes, *, context: str) -> bytes:
    """Bytes sealed for one column: b'hf1$<key id>$' + nonce + ciphertext."""
    kid, blob = get_keyring().seal(value, context=context)
    return f"{PREFIX}${kid}$".encode() + blob


def decrypt_bytes(token: bytes, *, context: str) -> bytes:
    """The bytes `encrypt_bytes` sealed for this column."""
    prefix, kid, body = (bytes(token).split(b"$", 2) + [b"", b""])[:3]
    if prefix != PREFIX.encode() or not body:
        raise Undecryptable(f"{context}: a value stored unencrypted")
    return ring_with(kid.decode()).open(kid.decode(), body, context=context)


def key_id_of(token: str | bytes) -> str | None:
    """The id of the key that sealed a stored value; None when it is not sealed."""
    parts = token.split("$", 2) if isinstance(token, str) else bytes(token).split(b"$", 2)
    if len(parts) != 3:
        return None
    prefix, kid = (p if isinstance(p, str) else p.decode(errors="replace") for p in parts[:2])
    return kid if prefix == PREFIX else None


def blind_index(kind: str, value: str) -> str:
    """The keyed blind index of a value (HMAC), for equality lookups on an encrypted column."""
    return get_keyring().index(kind, value)


def phone_index(phone: str) -> str:
    """The blind index of an E.164 phone number."""
    return blind_index(PHONE, phone)


def id_number_index(id_number: str) -> str:
    """The blind index of a normalised resident ID number."""
    return blind_index(ID_NUMBER, id_number)


_ALLOWED = {operators.is_, operators.is_not, operators.asc_op, operators.desc_op}


def _is_column(value: Any) -> bool:
    return isinstance(value, ColumnElement) and not isinstance(value, BindParameter)


class SealedType(TypeDecorator[Any]):
    """What every encrypted column type shares: its context, and no SQL equality."""

    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context  # "table.column": the associated data of every value

    class Comparator(TypeDecorator.Comparator[Any]):
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            # A column against a column (the ORM's own bookkeeping) is harmless; a value never
            # matches, since each is sealed under a fresh nonce.
            if op not in _ALLOWED and not all(_is_column(o) for o in other):
                raise TypeError(
                    "an encrypted column cannot be compared in SQL: compare its blind index "
                    "(kernel.crypto.phone_index / id_number_index) instead"
                )
            return super().operate(op, *other, **kwargs)

    comparator_factory = Comparator


class EncryptedString(SealedType):
    """A string stored sealed (TEXT); reads give the plaintext back."""

    cache_ok = True
    impl = Text

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else encrypt_text(str(value), context=self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else decrypt_text(value, context=self.context)


class EncryptedBytes(SealedType):
    """Bytes stored sealed (a recording's audio)."""

    cache_ok = True
    impl = LargeBinary

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        return None if value is None else encrypt_bytes(bytes(value), context=self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        return None if value is None else decrypt_bytes(value, context=self.context)


class EncryptedJSON(SealedType):
    """A JSON document stored sealed (outbox payloads that name a person)."""

    cache_ok = True
    impl = Text

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        return encrypt_text(text, context=self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(decrypt_text(value, context=self.context))


def encrypted(context: str, **kwargs: Any) -> Any:
    """A model field stored with EncryptedString; `context` is 'table.column'."""
    return Field(sa_type=EncryptedString(context), **kwargs)


def blind_index_field(**kwargs: Any) -> Any:
    """A model field holding a blind index (filled by `keep_blind_index`)."""
    kwargs.setdefault("index", True)
    return Field(max_length=INDEX_LENGTH, **kwargs)


def keep_blind_index(model: type[Any], *, source: str, target: str, kind: str) -> None:
    """Fill `target` with the blind index of `source` whenever an instance is flushed.

    Core INSERT/UPDATE statements bypass this: they must set the index themselves.
    """

    def fill(_mapper: Any, _connection: Any, instance: Any) -> None:
        value = getattr(instance, source)
        setattr(instance, target, None if value is None else blind_index(kind, value))

    event.listen(model, "before_insert", fill)
    event.listen(model, "before_update", fill)
