"""A per-process cache of rendered scan answers, dropped whenever the registry's version moves.

Every write appends to the audit log in the same transaction (services/audit.py), so
`max(audit_log.id)` is a version number of everything a scan shows. Each process re-reads it at most
once per `check_seconds` and, before answering from the cache, drops the cache when it changed: a
suspension made by any worker or server shows everywhere within `check_seconds` plus one query.
Statuses that change with the calendar (expiry, the OCOP term) are handled by keying on today's date.

Writes that bypass the audit log (seeding, bulk SQL) are not seen until the next audited write or
the next day; restart the app servers after them.

With REDIS_URL set, a process that commits a write also publishes on VERSION_CHANNEL and every
subscribed process drops its cache at once (sub-second across servers). That is only a shortcut:
a lost message or a Redis outage leaves the database check as the bound.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import redis
from flask import current_app, has_app_context
from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session

from registry.extensions import db
from registry.models import AuditEntry

log = logging.getLogger(__name__)
VERSION_CHANNEL = "registry:version"

DEFAULT_CHECK_SECONDS = 1.0
DEFAULT_MAX_ENTRIES = 20_000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # of stored bodies, per process


def registry_version() -> int:
    """The id of the newest audit entry: moves with every committed write (0 for an empty log)."""
    return int(db.session.scalar(select(func.max(AuditEntry.id))) or 0)


@dataclass(frozen=True)
class Cached:
    """A rendered answer: status, body and the headers that belong to it."""

    status: int
    body: bytes
    mimetype: str
    headers: tuple[tuple[str, str], ...] = ()


class ScanCache:
    """A thread-safe LRU whose entries are valid for one registry version.

    `get` first revalidates the version when `check_seconds` have passed (one thread does the query;
    the others keep answering meanwhile, so the bound is the interval plus one query). A caller that
    renders on a miss takes `generation()` BEFORE reading the database and hands it to `put`: an
    answer read before a write that another thread has already noticed is then never stored.
    """

    def __init__(
        self,
        check_seconds: float,
        version: Callable[[], int] = registry_version,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.check_seconds = check_seconds
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._bytes = 0
        self._version_of = version
        self._clock = clock
        self._entries: OrderedDict[Hashable, Cached] = OrderedDict()
        self._lock = threading.Lock()
        self._check_lock = threading.Lock()
        self._version: int | None = None
        self._generation = 0
        self._next_check = 0.0

    @property
    def enabled(self) -> bool:
        return self.check_seconds > 0

    def generation(self) -> int:
        if self.enabled:
            self._revalidate()
        return self._generation

    def get(self, key: Hashable) -> Cached | None:
        if not self.enabled:
            return None
        self._revalidate()
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def peek(self, key: Hashable) -> Cached | None:
        """The entry, only while no version check is due: never touches the database (no app context needed).

        When a check is due it answers None, and the caller takes the full path, whose `get` checks.
        """
        if not self.enabled or self._clock() >= self._next_check:
            return None
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, value: Cached, generation: int) -> None:
        if not self.enabled:
            return
        with self._lock:
            if generation != self._generation:
                return  # rendered from data older than a change already noticed
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = value
            self._bytes += len(value.body)
            while len(self._entries) > self.max_entries or (self._bytes > self.max_bytes and len(self._entries) > 1):
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    @property
    def stored_bytes(self) -> int:
        return self._bytes

    def clear(self) -> None:
        """Drop everything now (e.g. on a pushed notice of a write)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self._generation += 1

    def __len__(self) -> int:
        return len(self._entries)

    def _revalidate(self) -> None:
        now = self._clock()
        if now < self._next_check or not self._check_lock.acquire(blocking=False):
            return
        try:
            if now < self._next_check:
                return
            version = self._version_of()
            if version != self._version:
                self.clear()
                self._version = version
            self._next_check = self._clock() + self.check_seconds
        finally:
            self._check_lock.release()


# --- Redis push (optional) --------------------------------------------------------------------

_WROTE = "scan_cache_wrote"


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_WROTE, None)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    """Publish a version bump after a committed write when the app has REDIS_URL."""
    if not session.info.pop(_WROTE, False) or not has_app_context():
        return
    url = current_app.config.get("REDIS_URL")
    if not url:
        return
    try:
        _client(url).publish(VERSION_CHANNEL, b"bump")
    except redis.RedisError:
        log.warning("scan cache: could not publish a version bump; workers rely on the database check")


_clients: dict[str, redis.Redis] = {}


def _client(url: str) -> redis.Redis:
    client = _clients.get(url)
    if client is None:
        client = _clients.setdefault(url, redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1))
    return client


def subscribe(cache: ScanCache, url: str) -> threading.Thread:
    """A daemon thread that drops `cache` on every published bump, reconnecting after errors."""

    def listen() -> None:
        while True:
            try:
                pubsub = redis.Redis.from_url(url, socket_connect_timeout=2).pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(VERSION_CHANNEL)
                cache.clear()  # anything missed while (re)connecting
                for message in pubsub.listen():
                    if message.get("type") == "message":
                        cache.clear()
            except redis.RedisError:
                log.warning("scan cache: Redis subscription lost; retrying in 2 s")
                time.sleep(2)

    thread = threading.Thread(target=listen, name="scan-cache-redis", daemon=True)
    thread.start()
    return thread
