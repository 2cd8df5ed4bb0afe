"""Developer tools: `python -m huifang.devtools revision "message"` autogenerates a migration.

It compares the models with a scratch SQLite database migrated to every head, merging heads
first when two engineers' migrations landed side by side.
"""

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from huifang.migrate import alembic_config, upgrade


def revision(message: str) -> None:
    """Write a new migration for whatever the models have that the migrations do not."""
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'scratch.db'}"
        config = alembic_config(url)
        heads = ScriptDirectory.from_config(config).get_heads()
        if len(heads) > 1:
            command.merge(config, revisions=list(heads), message="merge heads")
        upgrade(url)
        command.revision(config, message=message, autogenerate=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        raise SystemExit('usage: python -m huifang.devtools revision "message"')
    revision(sys.argv[2])
