"""Writing and checking the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, Text, insert, select, text
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session, scoped_session

from registry.extensions import db
from registry.models import AuditEntry, User
from registry.services import merkle

GENESIS = "0" * 64


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(
    obj: Any, exclude: tuple[str, ...] = ("name_folded", "title_folded", "number_folded", "code_key")
) -> dict[str, Any]:
    """The column values of a model instance, as JSON-ready data."""
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in exclude}


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    """SHA-256 over the predecessor's hash and this entry's canonical content."""
    return _content_hash(
        prev_hash,
        entry.id,
        entry.at,
        entry.actor_id,
        entry.action,
        entry.entity,
        entry.entity_id,
        entry.before,
        entry.after,
    )


def _content_hash(
    prev_hash: str,
    entry_id: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    before: Any,
    after: Any,
) -> str:
    blob = _content(entry_id, at, actor_id, action, entity, entity_id, before, after)
    return hashlib.sha256(prev_hash.encode() + blob).hexdigest()


def _content(
    entry_id: int,
    at: datetime,
    actor_id: Any,
    action: Any,
    entity: Any,
    entity_id: Any,
    before: Any,
    after: Any,
) -> bytes:
    """An entry's canonical bytes: the chain hashes them after its predecessor's hash; they are its Merkle leaf."""
    content = {
        "id": entry_id,
        "at": at.astimezone(UTC).isoformat(),
        "actor_id": actor_id,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "before": before,
        "after": after,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def lock_chain(session: Session | scoped_session[Any] | None = None) -> tuple[int, str]:
    """Take the chain's write lock for the rest of the transaction: (the next entry's id, the hash to chain onto).

    On PostgreSQL an advisory lock serialises writers so two transactions never chain onto the same
    predecessor; SQLite has one writer at a time anyway.
    """
    sess = session or db.session
    if sess.get_bind().dialect.name == "postgresql":
        sess.execute(text("SELECT pg_advisory_xact_lock(724001)"))
    last = sess.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    return (last.id + 1, last.hash) if last else (1, GENESIS)


def record(
    actor: User | None,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    session: Session | scoped_session[Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction, chained to the previous one."""
    sess = session or db.session
    next_id, prev = lock_chain(sess)
    entry = AuditEntry(
        id=next_id,
        at=datetime.now(UTC).replace(microsecond=0),
        actor_id=actor.id if actor else None,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=_plain(before),
        after=_plain(after),
        prev_hash=prev,
        hash="",
    )
    entry.hash = entry_hash(entry.prev_hash, entry)
    sess.add(entry)
    return entry


def record_many(
    actor: User | None,
    action: str,
    entity: str,
    items: Iterable[tuple[int | None, dict[str, Any] | None, dict[str, Any] | None]],
    session: Session | scoped_session[Any] | None = None,
    *,
    plain: bool = False,
) -> int:
    """Append one entry per (entity_id, before, after) in the caller's transaction, chaining them in order.

    One lock, one look-up of the chain's head and one multi-row INSERT, so importers can audit
    thousands of records at the cost of a few statements. `plain=True` promises before/after are
    JSON-ready already (no dates or decimals), skipping their conversion. Returns the count written.
    """
    sess = session or db.session
    sess.flush()  # entries the caller recorded one by one must be in the chain before these
    next_id, prev = lock_chain(sess)
    at = datetime.now(UTC).replace(microsecond=0)
    actor_id = actor.id if actor else None
    rows: list[dict[str, Any]] = []
    for entity_id, before, after in items:
        if not plain:
            before, after = _plain(before), _plain(after)
        digest = _content_hash(prev, next_id, at, actor_id, action, entity, entity_id, before, after)
        rows.append(
            {
                "id": next_id,
                "at": at,
                "actor_id": actor_id,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "before": before,
                "after": after,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev, next_id = digest, next_id + 1
    if rows:
        sess.execute(insert(cast(Table, AuditEntry.__table__)), rows)
    return len(rows)


def id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """Ids as [first, last] runs of consecutive numbers: [1, 2, 3, 7] -> [[1, 3], [7, 7]]."""
    runs: list[list[int]] = []
    for ident in sorted(ids):
        if runs and ident == runs[-1][1] + 1:
            runs[-1][1] = ident
        else:
            runs.append([ident, ident])
    return runs


def rows_digest(rows: Sequence[Sequence[Any]]) -> str:
    """SHA-256 over rows of JSON-ready values written as one compact JSON array of arrays (UTF-8)."""
    return hashlib.sha256(_ROWS.encode(rows).encode()).hexdigest()


_ROWS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def record_import(
    actor: User | None,
    entity: str,
    ids: list[int],
    digest: str,
    columns: list[str],
    session: Session | scoped_session[Any] | None = None,
) -> AuditEntry:
    """One entry for records a bulk import created together, in place of one 'create' entry each.

    A file of 100,000 rows would otherwise write 100,000 entries, most of an import's cost. The
    entry's action is 'import'; its `entity_id` is the lowest id created and `after` holds `ids`
    (the created ids as [first, last] runs), `count`, `columns` and `sha256`: `rows_digest` of the
    records' `snapshot` values in `columns` order as written, so the chain still seals their content.
    `created_entry(entity, id)` finds it again: who created record X, and when.
    """
    runs = id_ranges(ids)
    after = {"ids": runs, "count": len(ids), "columns": columns, "sha256": digest}
    entry = record(actor, "import", entity, runs[0][0] if runs else None, None, after, session)
    (session or db.session).flush()  # the next chunk's entry chains onto this one
    return entry


def created_entry(
    entity: str, entity_id: int, session: Session | scoped_session[Any] | None = None
) -> AuditEntry | None:
    """The entry recording the creation of `entity` `entity_id`: its own 'create' entry, or its import's."""
    sess = session or db.session
    own = select(AuditEntry).where(
        AuditEntry.entity == entity, AuditEntry.entity_id == entity_id, AuditEntry.action == "create"
    )
    found = sess.scalars(own.order_by(AuditEntry.id).limit(1)).first()
    if found is not None:
        return found
    # An import's entry is filed under its lowest id: look back from entity_id to the run holding it.
    imported = (
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.action == "import", AuditEntry.entity_id <= entity_id)
        .order_by(AuditEntry.entity_id.desc(), AuditEntry.id)
    )
    for entry in sess.scalars(imported).yield_per(100):
        if any(first <= entity_id <= last for first, last in (entry.after or {}).get("ids", ())):
            return entry
    return None


@dataclass(frozen=True)
class StoredEntry:
    """An audit row as stored: its canonical bytes (None when a value no longer reads) and its chain hashes."""

    id: int
    content: bytes | None
    prev_hash: Any
    hash: Any
    problem: str | None = None


def _read_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = datetime.fromisoformat(value.strip())
    else:
        raise ValueError(f"not a time: {value!r}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _read_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def stored_entries(
    session: Session | scoped_session[Any] | None = None, batch: int = 1000
) -> Generator[StoredEntry, None, None]:
    """Every audit row in id order, read value by value so one row that no longer parses is named, not fatal.

    Times and JSON are fetched as text and parsed here: a timestamp edited into words on SQLite, or one
    beyond what Python reads ('infinity', year 10000) on PostgreSQL, makes that row's `problem`.
    """
    sess = session or db.session
    t = AuditEntry.__table__.c
    query = select(
        t.id, sql_cast(t.at, Text), t.actor_id, t.action, t.entity, t.entity_id,
        sql_cast(t.before, Text), sql_cast(t.after, Text), t.prev_hash, t.hash,
    ).order_by(t.id)  # fmt: skip
    rows = sess.execute(query.execution_options(yield_per=batch))
    try:
        yield from _read_rows(rows)
    finally:
        rows.close()  # a reader that stops early must not leave a server-side cursor open


def _read_rows(rows: Iterable[Any]) -> Iterator[StoredEntry]:
    for row in rows:
        ident, at, actor_id, action, entity, entity_id, before, after, prev_hash, digest = row
        field = "at"
        try:
            when = _read_time(at)
            field = "before"
            before_value = _read_json(before)
            field = "after"
            after_value = _read_json(after)
            content = _content(ident, when, actor_id, action, entity, entity_id, before_value, after_value)
        except (ValueError, TypeError, OverflowError) as err:
            yield StoredEntry(ident, None, prev_hash, digest, f"{field}: {str(err)[:120]}")
            continue
        yield StoredEntry(ident, content, prev_hash, digest)


@dataclass
class ChainCheck:
    """The outcome of recomputing the chain: entries checked before the first broken one, and why it broke."""

    checked: int = 0
    broken: int | None = None
    reason: str | None = None
    leaves: list[bytes] = dataclass_field(default_factory=list)  # Merkle leaf hashes of the entries read
    ids: list[int] = dataclass_field(default_factory=list)  # their ids: ids[i] is leaf i
    head: str = GENESIS


def check_chain(session: Session | scoped_session[Any] | None = None) -> ChainCheck:
    """Recompute every link; leaves are collected up to the first entry that no longer reads."""
    result = ChainCheck()
    prev = GENESIS
    with closing(stored_entries(session)) as entries:
        for entry in entries:
            if _step(result, entry, prev):
                break
            prev = entry.hash
    return result


def _step(result: ChainCheck, entry: StoredEntry, prev: Any) -> bool:
    """Check one link into `result`; True when nothing past this entry can be read."""
    if entry.content is None:
        if result.broken is None:
            result.broken, result.reason = entry.id, f"unreadable ({entry.problem})"
        return True
    result.leaves.append(merkle.leaf_hash(entry.content))
    result.ids.append(entry.id)
    if result.broken is None:
        if entry.prev_hash != prev:
            result.broken, result.reason = entry.id, "its prev_hash is not its predecessor's hash"
        elif hashlib.sha256(str(prev).encode() + entry.content).hexdigest() != entry.hash:
            result.broken, result.reason = entry.id, "its content no longer matches its hash"
        else:
            result.checked += 1
            result.head = str(entry.hash)
    return False


def entries_of(entity: str, entity_id: int, session: Session | scoped_session[Any] | None = None) -> list[AuditEntry]:
    """The entries recording `entity` `entity_id`: its creation (own or by import) and every change since."""
    sess = session or db.session
    own = select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
    found = {e.id: e for e in sess.scalars(own)}
    created = created_entry(entity, entity_id, sess)
    if created is not None:
        found[created.id] = created
    return [found[k] for k in sorted(found)]


def verify_chain(session: Session | scoped_session[Any] | None = None) -> tuple[int, int | None]:
    """Recompute the chain: (entries checked, id of the first broken entry or None)."""
    result = check_chain(session)
    return result.checked, result.broken


def head(session: Session | scoped_session[Any] | None = None) -> dict[str, Any]:
    sess = session or db.session
    last = sess.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first()
    if last is None:
        return {"size": 0, "hash": GENESIS, "at": None}
    return {"size": last.id, "hash": last.hash, "at": last.at.isoformat()}
