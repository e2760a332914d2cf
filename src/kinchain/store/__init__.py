"""Storage for the clinic service: SQLAlchemy models, repository functions, audit chain, migrations."""

from kinchain.store.audit import Actor, VerifyResult, verify
from kinchain.store.db import create_db_engine, integrity_check, make_sessionmaker, migrate, sqlite_url, transaction
from kinchain.store.repo import NotFound

__all__ = [
    "Actor",
    "NotFound",
    "VerifyResult",
    "create_db_engine",
    "integrity_check",
    "make_sessionmaker",
    "migrate",
    "sqlite_url",
    "transaction",
    "verify",
]
