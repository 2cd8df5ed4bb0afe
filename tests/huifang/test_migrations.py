"""The migrations are one line of history and build exactly the tables the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from huifang.migrate import alembic_config
from huifang.schema import include_object, metadata
from kernel.db import get_engine


def test_there_is_one_head_so_alembic_upgrade_head_works() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, (
        "migrations landed side by side: merge them "
        '(python -m huifang.devtools revision "message" does it first)'
    )


@pytest.mark.sqlite_too  # the demo's database is migrated by the same scripts
def test_the_migrated_database_matches_the_models(database_url: str) -> None:
    with get_engine(database_url).connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        drift = compare_metadata(context, metadata)
    assert drift == [], f"models and migrations differ: {drift}"
