"""Alembic environment: runs on the connection handed over by playbook.core.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import playbook.core.models  # noqa: F401  (registers the tables)

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when alembic is run by hand
    raise SystemExit("run migrations through `playbook migrate` or the service start-up")
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
