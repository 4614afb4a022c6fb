"""Alembic environment: migrations run on the database named by DATABASE_URL, each revision in its
own transaction (PostgreSQL has transactional DDL)."""
from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool


def database_url() -> str:
    # SQLAlchemy names the dialect "postgresql"; Fly and libpq accept "postgres" too.
    url = os.environ["DATABASE_URL"]
    return "postgresql://" + url.split("://", 1)[1] if url.startswith("postgres://") else url


if context.is_offline_mode():
    context.configure(url=database_url(), literal_binds=True, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
