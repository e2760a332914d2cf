"""Service settings, read from the environment by a cached factory (never at import).

KINCHAIN_DATA_DIR       folder for the SQLite database and the generated secret key (default ./kinchain-data)
KINCHAIN_DATABASE_URL   selects another database, e.g. postgresql+psycopg://user@host:5432/db
KINCHAIN_SECRET_KEY     signs tokens and session cookies; generated and kept in the data folder if unset
KINCHAIN_TOKEN_TTL      bearer-token lifetime in seconds (default 28800 = 8 h)
KINCHAIN_SECURE_COOKIES 1 to mark cookies Secure (set it when served over HTTPS)
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kinchain.store.db import normalise_url, sqlite_url

PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "changethis", "insecure", "dev", "test"}


class SettingsError(ValueError):
    """A setting has an unsafe or unusable value."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    token_ttl_seconds: int = 8 * 3600
    secure_cookies: bool = False
    db_schema: str | None = None  # PostgreSQL search path (tests isolate themselves this way)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def __post_init__(self) -> None:
        if self.secret_key.strip().lower() in PLACEHOLDER_SECRETS or len(self.secret_key) < 32:
            raise SettingsError("KINCHAIN_SECRET_KEY must be a random string of at least 32 characters "
                                "(not a placeholder); unset it to have one generated in KINCHAIN_DATA_DIR")
        if self.token_ttl_seconds <= 0:
            raise SettingsError(f"KINCHAIN_TOKEN_TTL must be a positive number of seconds, got "
                                f"{self.token_ttl_seconds}")


def _persisted_secret(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


def settings_from_env(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("KINCHAIN_DATA_DIR") or "kinchain-data").expanduser().resolve()
    url = env.get("KINCHAIN_DATABASE_URL") or sqlite_url(data_dir)
    try:
        ttl = int(env.get("KINCHAIN_TOKEN_TTL", "28800"))
    except ValueError:
        raise SettingsError(f"KINCHAIN_TOKEN_TTL must be an integer number of seconds, got "
                            f"{env.get('KINCHAIN_TOKEN_TTL')!r}") from None
    return Settings(
        data_dir=data_dir,
        database_url=normalise_url(url),
        secret_key=env.get("KINCHAIN_SECRET_KEY") or _persisted_secret(data_dir),
        token_ttl_seconds=ttl,
        secure_cookies=env.get("KINCHAIN_SECURE_COOKIES", "0").lower() in ("1", "true", "yes"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings (read once from the environment)."""
    return settings_from_env()
