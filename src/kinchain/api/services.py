"""The running service's shared objects (engines, token codec, caches), built by the app factory."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kinchain.api.security import TokenClaims, TokenCodec
from kinchain.api.settings import Settings
from kinchain.store import db
from kinchain.store.models import User, utcnow

T = TypeVar("T")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    read_engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    tokens: TokenCodec
    committer: db.GroupCommitter
    _users: dict[str, tuple[float, bool]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    clock: Callable[[], datetime] = utcnow  # wall clock for sign-in throttling; tests move it forward

    @classmethod
    def build(cls, settings: Settings) -> Services:
        engine = db.create_db_engine(settings.database_url, schema=settings.db_schema, pool_size=16)
        if engine.dialect.name == "sqlite":
            # readers never take the write lock: a separate engine with plain (deferred) transactions
            read_engine = db.create_db_engine(settings.database_url, pool_size=16, readonly=True)
        else:
            read_engine = engine
        return cls(settings=settings, engine=engine, read_engine=read_engine,
                   sessions=db.make_sessionmaker(engine), read_sessions=db.make_sessionmaker(read_engine),
                   tokens=TokenCodec(settings.secret_key, settings.token_ttl_seconds),
                   committer=db.GroupCommitter(db.make_sessionmaker(engine)))

    def tx(self) -> Any:
        """A write transaction (context manager yielding a Session)."""
        return db.transaction(self.sessions)

    def write(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in a group-committed write transaction; returns once it is durable."""
        return self.committer.run(fn)

    async def awrite(self, fn: Callable[[Session], T]) -> T:
        """``write`` for async routes: waits for the commit without holding a worker thread."""
        return await self.committer.arun(fn)

    def user_active(self, claims: TokenClaims, ttl: float = 15.0) -> bool:
        """Is the token's user still an active account? Cached for a few seconds per user."""
        now = time.monotonic()
        hit = self._users.get(claims.user_id)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
        with self.read_sessions() as s:
            u = s.get(User, claims.user_id)
            ok = bool(u is not None and u.active and u.role == claims.role and u.clinic_id == claims.clinic_id)
        with self._lock:
            self._users[claims.user_id] = (now, ok)
        return ok

    def dispose(self) -> None:
        self.committer.close()
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
