"""The repository stands alone: nothing it runs reads a path outside itself."""

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# A sibling folder named shared, or an absolute path into this machine's work or home folders.
# Spelled in pieces so that this file does not name them itself.
_SIBLING, _HOMES = (
    r"\.\./" + "shared",
    "|".join("/" + top + "/" for top in ("work", "root", "home")),
)
OUTSIDE = re.compile(rf"""{_SIBLING}|["'/]shared["']\s*/|{_HOMES}""")


def _tracked(*patterns: str) -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files", *patterns], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    return [REPO / name for name in names]


def test_no_code_or_build_file_names_a_path_outside_the_repository() -> None:
    files = _tracked("*.py", "Makefile", "*.toml", "*.ini", ".ci/*", "*.cfg")
    assert len(files) > 100  # the listing works: a broken one would pass this test vacuously
    offenders = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []


def test_no_tracked_file_is_a_link_out_of_the_repository() -> None:
    staged = subprocess.run(
        ["git", "ls-files", "-s"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert staged  # the listing works
    links = [line.split("\t", 1)[1] for line in staged if line.startswith("120000 ")]
    outside = [name for name in links if not (REPO / name).resolve().is_relative_to(REPO.resolve())]
    assert outside == []
