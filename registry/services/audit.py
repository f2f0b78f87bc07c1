"""Writing and checking the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session, scoped_session

from registry.extensions import db
from registry.models import AuditEntry, User

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
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + blob).encode()).hexdigest()


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


def created_entry(entity: str, entity_id: int, session: Session | None = None) -> AuditEntry | None:
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


def verify_chain(session: Session | None = None) -> tuple[int, int | None]:
    """Recompute the chain: (entries checked, id of the first broken entry or None)."""
    sess = session or db.session
    prev = GENESIS
    checked = 0
    for entry in sess.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
        if entry.prev_hash != prev or entry_hash(prev, entry) != entry.hash:
            return checked, entry.id
        prev = entry.hash
        checked += 1
    return checked, None


def head(session: Session | None = None) -> dict[str, Any]:
    sess = session or db.session
    last = sess.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first()
    if last is None:
        return {"size": 0, "hash": GENESIS, "at": None}
    return {"size": last.id, "hash": last.hash, "at": last.at.isoformat()}
