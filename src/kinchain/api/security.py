"""Password hashing (argon2id), signed bearer tokens and CSRF tokens."""

from __future__ import annotations

import contextlib
import hmac
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

ROLES = ("clinician", "admin")


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("password: use at least 8 characters")
    return _hasher().hash(password)


_DUMMY_HASH: list[str] = []


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-work check: an unknown user still costs one argon2 verification."""
    if password_hash is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(_hasher().hash(secrets.token_urlsafe(16)))
        password_hash = _DUMMY_HASH[0]
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher().verify(password_hash, password)
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    email: str
    role: str
    clinic_id: str


class TokenCodec:
    """Signed, expiring bearer tokens. Verified tokens are remembered (bounded) so the signature check
    and payload decoding run once per token, not once per request; expiry is still checked every time."""

    CACHE_SIZE = 4096

    def __init__(self, secret_key: str, ttl_seconds: int) -> None:
        self._s = URLSafeTimedSerializer(secret_key, salt="kinchain-api-token")
        self.ttl = ttl_seconds
        self._cache: dict[str, tuple[TokenClaims, float]] = {}

    def issue(self, claims: TokenClaims) -> str:
        return str(self._s.dumps({"u": claims.user_id, "e": claims.email, "r": claims.role,
                                  "c": claims.clinic_id}))

    def read(self, token: str) -> TokenClaims | None:
        hit = self._cache.get(token)
        if hit is not None:
            claims, issued = hit
            if time.time() - issued <= self.ttl:
                return claims
            self._cache.pop(token, None)
            return None
        try:
            data, issued_at = self._s.loads(token, max_age=self.ttl, return_timestamp=True)
        except (SignatureExpired, BadSignature):
            return None
        if not isinstance(data, dict):
            return None
        try:
            claims = TokenClaims(str(data["u"]), str(data["e"]), str(data["r"]), str(data["c"]))
        except KeyError:
            return None
        if len(self._cache) >= self.CACHE_SIZE:
            self._cache.clear()
        self._cache[token] = (claims, issued_at.timestamp())
        return claims


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
