"""Alembic environment: runs on the connection handed over by ``kinchain.store.db.migrate``."""

from __future__ import annotations

from alembic import context

from kinchain.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via kinchain.store.db.migrate
    raise RuntimeError("run migrations through kinchain.store.db.migrate(engine)")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
