"""Database engines, sessions and migrations.

SQLite (the default) runs in WAL mode with ``synchronous=FULL`` so a write acknowledged to a client is on
disk, and every transaction starts with ``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing.
Nothing here runs at import: callers build an engine from an explicit URL.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_PACKAGE = "kinchain.store.migrations"
_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


def sqlite_url(data_dir: str | Path) -> str:
    path = Path(data_dir).expanduser().resolve() / "kinchain.sqlite3"
    return f"sqlite+pysqlite:///{path}"


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// spellings; always use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def create_db_engine(url: str, *, schema: str | None = None, pool_size: int = 10,
                     readonly: bool = False) -> Engine:
    """An engine for ``url``. ``schema`` (PostgreSQL only) sets the search path, used to isolate tests.

    On SQLite, ``readonly=True`` gives an engine whose transactions are plain deferred ones (for reads that
    must not queue behind writers); the default engine starts every transaction with BEGIN IMMEDIATE.
    """
    url = normalise_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=pool_size, max_overflow=pool_size)
        _sqlite_pragmas(engine, immediate=not readonly)
        return engine
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    return create_engine(url, connect_args=connect_args, pool_size=pool_size, max_overflow=pool_size,
                         pool_pre_ping=True)


def _sqlite_pragmas(engine: Engine, *, immediate: bool) -> None:
    if immediate:
        _WRITE_LOCKS[engine] = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error.

    On SQLite a process-wide lock serialises write transactions (SQLite allows one writer at a time), which
    is fairer and faster than the busy-timeout back-off between threads.
    """
    bind = factory.kw["bind"]
    lock = _WRITE_LOCKS.get(bind) if bind is not None else None
    if lock is not None:
        lock.acquire()
    try:
        with factory() as session, session.begin():
            yield session
    finally:
        if lock is not None:
            lock.release()


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files(MIGRATIONS_PACKAGE)))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Apply the Alembic migrations shipped in the package (idempotent)."""
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7244031)"))  # one migrator at a time
        command.upgrade(_alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def ping(engine: Engine) -> bool:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return True


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())


def integrity_check(engine: Engine) -> str:
    """SQLite ``PRAGMA integrity_check`` result ('ok' when healthy); 'ok' for other databases."""
    if not is_sqlite(engine):
        return "ok"
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("PRAGMA integrity_check").fetchall()
    return "; ".join(str(r[0]) for r in rows)
