"""Sign-in for both channels (API token, web form), with throttling of password guessing.

Failed sign-ins are counted per account (the e-mail, lower-cased) and per client address in a fixed
window that starts at the first failure (``login_window_seconds``). Reaching ``login_max_failures`` for
an account, or ``login_max_failures_per_address`` for an address, locks that key for
``login_lockout_seconds``. While a key is locked every attempt is refused unchecked, the right password
included (otherwise a guesser learns when a guess is right), and audited as ``login_throttled``.
The lock is checked again in the write that records the attempt, serialised with every other sign-in,
so a burst of parallel guesses gets at most the limit of real answers, not one per request.
A successful sign-in clears the account's counter; the address counter runs out with its window, so one
valid account cannot be used to reset an address that guesses at others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kinchain.api.security import verify_password
from kinchain.api.services import Services
from kinchain.store import audit, repo
from kinchain.store.models import User


@dataclass(frozen=True)
class SignIn:
    user: User | None  # the signed-in user; None when refused
    retry_after: int | None = None  # seconds until a locked account or address may try again


def keys(email: str, address: str | None) -> tuple[str, str]:
    return f"account:{email.strip().lower()[:320]}", f"address:{address or 'unknown'}"


def sign_in(services: Services, email: str, password: str, address: str | None, channel: str) -> SignIn:
    account, client = keys(email, address)
    settings = services.settings
    now = services.clock()
    # a first look, so a locked key costs no password check
    with services.read_sessions() as s:
        locked_until = repo.throttle_locked_until(s, [account, client], now)
        user = None if locked_until is not None else repo.user_by_email(s, email)
    ok = False
    if locked_until is None:
        # the password check (argon2, tens of milliseconds) runs outside any write transaction
        ok = verify_password(user.password_hash if user else None, password) and bool(user and user.active)
    with services.tx() as s:
        # Look again under the audit-chain lock, which every sign-in write takes first: guesses that all
        # passed the first look together are decided one at a time here, so no more than the limit get an
        # answer, and a lock set by another worker during the password check refuses even the right one.
        # (Taking that lock first also keeps the throttle rows locked in one order: no deadlocks.)
        audit.lock_head(s)
        if locked_until is None:
            locked_until = repo.throttle_locked_until(s, [account, client], now)
        if locked_until is not None:
            wait = max(1, math.ceil((locked_until - now).total_seconds()))
            repo.record_login(s, email, ok=False, user=None, channel=channel, retry_after=wait)
            return SignIn(None, wait)
        repo.record_login(s, email, ok=ok, user=user if ok else None, channel=channel)
        if ok:
            repo.throttle_clear(s, account)
        else:
            repo.throttle_failure(s, {account: settings.login_max_failures,
                                      client: settings.login_max_failures_per_address},
                                  now, window_s=settings.login_window_seconds,
                                  lockout_s=settings.login_lockout_seconds)
    return SignIn(user if ok else None)


def wait_text(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return f"{seconds} seconds" if seconds < 120 else f"about {minutes} minutes"
