"""Alembic environment: the URL comes from the caller's config or HUIFANG_DATABASE_URL."""

from alembic import context
from sqlalchemy import pool

from huifang.schema import include_object, metadata
from kernel.config import get_kernel_settings
from kernel.db import driver_url, make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_kernel_settings().effective_database_url()


def run_offline() -> None:
    context.configure(url=driver_url(url), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
