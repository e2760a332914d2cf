"""Service settings, read from the environment by a cached factory (never at import).

KINCHAIN_DATA_DIR       folder for the SQLite database and the generated secret key (default ./kinchain-data)
KINCHAIN_DATABASE_URL   selects another database, e.g. postgresql+psycopg://user@host:5432/db
KINCHAIN_SECRET_KEY     signs tokens and session cookies; generated and kept in the data folder if unset
KINCHAIN_TOKEN_TTL      bearer-token lifetime in seconds (default 28800 = 8 h)
KINCHAIN_SECURE_COOKIES 1 to mark cookies Secure (set it when served over HTTPS)
KINCHAIN_LOGIN_MAX_FAILURES              failed sign-ins per account per window before a lock-out (default 5)
KINCHAIN_LOGIN_MAX_FAILURES_PER_ADDRESS  failed sign-ins per client address per window (default 20)
KINCHAIN_LOGIN_WINDOW                    the counting window in seconds (default 900)
KINCHAIN_LOGIN_LOCKOUT                   lock-out length in seconds (default 900)
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
    # Sign-in throttling: security policy, not clinical numbers. Five guesses per account and twenty per
    # address in 15 minutes, then a 15-minute lock-out, slows password guessing to a crawl while a
    # clinician who mistypes a few times is not locked out.
    login_max_failures: int = 5
    login_max_failures_per_address: int = 20
    login_window_seconds: int = 900
    login_lockout_seconds: int = 900

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def __post_init__(self) -> None:
        if self.secret_key.strip().lower() in PLACEHOLDER_SECRETS or len(self.secret_key) < 32:
            raise SettingsError("KINCHAIN_SECRET_KEY must be a random string of at least 32 characters "
                                "(not a placeholder); unset it to have one generated in KINCHAIN_DATA_DIR")
        for name, env in (("login_max_failures", "KINCHAIN_LOGIN_MAX_FAILURES"),
                          ("login_max_failures_per_address", "KINCHAIN_LOGIN_MAX_FAILURES_PER_ADDRESS"),
                          ("login_window_seconds", "KINCHAIN_LOGIN_WINDOW"),
                          ("login_lockout_seconds", "KINCHAIN_LOGIN_LOCKOUT")):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{env} must be a positive whole number, got {getattr(self, name)}")
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
    def whole(name: str, default: int, what: str) -> int:
        try:
            return int(env.get(name, str(default)))
        except ValueError:
            raise SettingsError(f"{name} must be {what}, got {env.get(name)!r}") from None

    ttl = whole("KINCHAIN_TOKEN_TTL", Settings.token_ttl_seconds, "an integer number of seconds")
    return Settings(
        data_dir=data_dir,
        database_url=normalise_url(url),
        secret_key=env.get("KINCHAIN_SECRET_KEY") or _persisted_secret(data_dir),
        token_ttl_seconds=ttl,
        secure_cookies=env.get("KINCHAIN_SECURE_COOKIES", "0").lower() in ("1", "true", "yes"),
        login_max_failures=whole("KINCHAIN_LOGIN_MAX_FAILURES", Settings.login_max_failures, "a whole number"),
        login_max_failures_per_address=whole("KINCHAIN_LOGIN_MAX_FAILURES_PER_ADDRESS",
                                             Settings.login_max_failures_per_address, "a whole number"),
        login_window_seconds=whole("KINCHAIN_LOGIN_WINDOW", Settings.login_window_seconds, "an integer number of seconds"),
        login_lockout_seconds=whole("KINCHAIN_LOGIN_LOCKOUT", Settings.login_lockout_seconds,
                                    "an integer number of seconds"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings (read once from the environment)."""
    return settings_from_env()
