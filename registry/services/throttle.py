"""Failed sign-ins counted per account, across the web form and the API token endpoint and across workers.

The per-address limits of Flask-Limiter slow one client; an attacker with many addresses still gets
unlimited guesses at one account. This counts failures per email (folded, so `A@x.vn ` is `a@x.vn`) in
the rate-limit storage (Redis when REDIS_URL is set, so every worker and server shares the count; the
process's memory otherwise). Past the limit, every attempt for that email is refused, the right password
included, until the window moves on; a successful sign-in clears the count.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from registry.errors import FieldError, RegistryError

log = logging.getLogger(__name__)
NAMESPACE = "registry-signin"


class TooManyAttempts(RegistryError):
    """Too many failed sign-ins for one account (HTTP 429); `retry_after` in seconds."""

    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__("account_throttled", minutes=minutes)
        self.retry_after = retry_after
        self.errors = [FieldError("email", "account_throttled", {"minutes": minutes})]


class AccountThrottle:
    def __init__(self, storage_uri: str, limit: str) -> None:
        self.limit: RateLimitItem | None = parse(limit) if limit else None
        self._storage: Storage = storage_from_string(storage_uri)  # type: ignore[assignment]  # a sync URI
        self._fallback: MovingWindowRateLimiter | None = None
        self._strategy = MovingWindowRateLimiter(self._storage)

    @property
    def shared(self) -> bool:
        """Whether the count is kept outside this process (every worker sees the same)."""
        return not isinstance(self._storage, MemoryStorage)

    def _run(self, method: str, key: str) -> bool:
        assert self.limit is not None
        if self._fallback is None:
            try:
                return bool(getattr(self._strategy, method)(self.limit, NAMESPACE, key))
            except Exception:  # the shared store is down: keep counting in this process rather than fail sign-in
                log.exception("rate-limit storage unreachable; counting failed sign-ins in memory")
                self._fallback = MovingWindowRateLimiter(MemoryStorage())
        return bool(getattr(self._fallback, method)(self.limit, NAMESPACE, key))

    def check(self, email: str) -> None:
        """Raise TooManyAttempts when the account has used up its failed attempts."""
        if self.limit is None:
            return
        key = account_key(email)
        if not self._run("test", key):
            strategy = self._fallback or self._strategy
            try:
                reset = strategy.get_window_stats(self.limit, NAMESPACE, key).reset_time
            except Exception:
                reset = time.time() + self.limit.get_expiry()
            raise TooManyAttempts(max(1, math.ceil(reset - time.time())))

    def failed(self, email: str) -> None:
        if self.limit is not None:
            self._run("hit", account_key(email))

    def succeeded(self, email: str) -> None:
        if self.limit is not None:
            self._run("clear", account_key(email))


def account_key(email: str) -> str:
    return email.strip().casefold()
