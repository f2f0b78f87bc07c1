"""The audit log as a transparency log (after RFC 9162): signed checkpoints, proofs, and their checks.

Each audit entry's canonical bytes are a leaf of a Merkle tree in id order (leaf index = position).
A checkpoint signs the tree's size and root (and the chain head) with the registry's published key;
whoever keeps one can later ask for a consistency proof that today's log extends it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from registry.errors import InvalidInput, NotFound
from registry.extensions import db
from registry.models import AuditCheckpoint
from registry.services import audit, merkle, offline, signing

CHECKPOINT_TYPE = "registry-log-checkpoint/v1"


def _hex(digest: bytes) -> str:
    return digest.hex()


def _unhex(value: Any, name: str) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError) as err:
        raise offline.DocumentRejected(f"{name}: not a hex SHA-256 hash") from err
    if len(raw) != 32:
        raise offline.DocumentRejected(f"{name}: not a hex SHA-256 hash")
    return raw


def _readable(session: Session | scoped_session[Any]) -> audit.ChainCheck:
    """The stored log's leaves; refuses to build a tree over an entry that no longer reads."""
    check = audit.check_chain(session)
    if check.broken is not None and check.reason and check.reason.startswith("unreadable"):
        raise InvalidInput.one("audit_log", "audit_entry_unreadable", id=check.broken)
    return check


def _leaves(session: Session | scoped_session[Any]) -> list[bytes]:
    return _readable(session).leaves


# ---- checkpoints ------------------------------------------------------------------------------


def make_checkpoint(
    instance_path: str | Path, origin: str, session: Session | scoped_session[Any] | None = None, *, store: bool = True
) -> dict[str, Any]:
    """Sign the current tree head; `store=True` records it (the CLI and the daily timer), in its own transaction."""
    sess = session or db.session
    leaves = _leaves(sess)
    body = {
        "type": CHECKPOINT_TYPE,
        "origin": origin.rstrip("/"),
        "tree_size": len(leaves),
        "root_hash": _hex(merkle.root(leaves)),
        "timestamp": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }
    doc = signing.sign_document(instance_path, body)
    if store:
        sess.add(
            AuditCheckpoint(
                tree_size=doc["tree_size"],
                root_hash=doc["root_hash"],
                signed_at=datetime.fromisoformat(doc["timestamp"]),
                kid=doc["kid"],
                document=dump(doc),
            )
        )
        sess.commit()
    return doc


def dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def latest_checkpoint(session: Session | scoped_session[Any] | None = None) -> dict[str, Any] | None:
    sess = session or db.session
    row = sess.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)).first()
    return json.loads(row.document) if row else None


@dataclass(frozen=True)
class Checkpoint:
    size: int
    root: bytes
    timestamp: str
    doc: dict[str, Any]


def read_checkpoint(doc: Any, keyset: dict[str, Any]) -> Checkpoint:
    """A checkpoint whose signature and fields hold; raises offline.DocumentRejected naming the fault."""
    offline.verify_document(doc, keyset, "timestamp")
    if doc.get("type") != CHECKPOINT_TYPE:
        raise offline.DocumentRejected(f"type: expected {CHECKPOINT_TYPE}")
    size = doc.get("tree_size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise offline.DocumentRejected("tree_size: not a whole number ≥ 0")
    return Checkpoint(size, _unhex(doc.get("root_hash"), "root_hash"), str(doc["timestamp"]), doc)


# ---- proofs -----------------------------------------------------------------------------------


def _size_arg(value: Any, name: str, most: int) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= most:
        raise InvalidInput.one(name, "tree_size_range", most=most)
    return value


def consistency(first: Any, second: Any = None, session: Session | scoped_session[Any] | None = None) -> dict[str, Any]:
    """The RFC 9162 consistency proof between the trees of `first` and `second` leaves (default: all)."""
    leaves = _leaves(session or db.session)
    n = len(leaves) if second in (None, "") else _size_arg(second, "second", len(leaves))
    m = _size_arg(first, "first", n)
    return {
        "first": m,
        "second": n,
        "first_root_hash": _hex(merkle.root(leaves[:m])),
        "second_root_hash": _hex(merkle.root(leaves[:n])),
        "proof": [_hex(p) for p in merkle.consistency_proof(m, leaves[:n])],
    }


def inclusion(
    entry_id: int, tree_size: Any = None, session: Session | scoped_session[Any] | None = None
) -> dict[str, Any]:
    """The RFC 9162 inclusion proof of one entry, in the latest checkpoint's tree when it holds the entry.

    Otherwise (or with `tree_size`) the proof is against the tree of that many leaves, whose root a
    later checkpoint will sign; `checkpoint` is then null.
    """
    sess = session or db.session
    check = _readable(sess)
    if entry_id not in check.ids:
        raise NotFound()
    index, leaves = check.ids.index(entry_id), check.leaves
    latest = latest_checkpoint(sess)
    if tree_size not in (None, ""):
        size = _size_arg(tree_size, "tree_size", len(leaves))
    elif latest and index < latest["tree_size"] <= len(leaves):
        size = latest["tree_size"]
    else:
        size = len(leaves)
    if index >= size:
        raise InvalidInput.one("tree_size", "tree_size_range", most=len(leaves))
    tree = leaves[:size]
    return {
        "entry_id": entry_id,
        "leaf_index": index,
        "tree_size": size,
        "leaf_hash": _hex(tree[index]),
        "root_hash": _hex(merkle.root(tree)),
        "proof": [_hex(p) for p in merkle.inclusion_proof(index, tree)],
        "checkpoint": latest if latest and latest["tree_size"] == size else None,
    }


def verify_inclusion_document(doc: dict[str, Any]) -> bool:
    """Check an inclusion proof as served, knowing only the proof (for tests and outside verifiers)."""
    return merkle.verify_inclusion(
        doc["leaf_index"],
        doc["tree_size"],
        bytes.fromhex(doc["leaf_hash"]),
        [bytes.fromhex(p) for p in doc["proof"]],
        bytes.fromhex(doc["root_hash"]),
    )


# ---- verifying the stored log against a kept checkpoint --------------------------------------


@dataclass
class LogCheck:
    ok: bool
    size: int
    findings: list[str] = field(default_factory=list)
    chain: audit.ChainCheck | None = None


def verify_log(kept: Checkpoint | None, session: Session | scoped_session[Any] | None = None) -> LogCheck:
    """Recompute the chain and, with a kept checkpoint, prove the log extends it; each fault is named."""
    check = audit.check_chain(session or db.session)
    leaves = check.leaves
    result = LogCheck(ok=True, size=len(leaves), chain=check)
    if check.broken is not None:
        result.ok = False
        result.findings.append(
            f"audit chain BROKEN at entry {check.broken}: {check.reason} (after {check.checked} good entries)"
        )
        if check.reason and check.reason.startswith("unreadable"):
            return result  # no tree can be built past an entry that does not read
    if kept is None:
        return result
    if len(leaves) < kept.size:
        result.ok = False
        result.findings.append(
            f"audit log TRUNCATED: the log holds {len(leaves)} entries,"
            f" the checkpoint of {kept.timestamp} sealed {kept.size}"
        )
        return result
    proof = merkle.consistency_proof(kept.size, leaves)
    if merkle.verify_consistency(kept.size, len(leaves), kept.root, merkle.root(leaves), proof):
        return result
    result.ok = False
    if check.broken is not None and check.broken <= kept.size:
        result.findings.append(
            f"audit log REWRITTEN: entry {check.broken} was changed after the checkpoint of {kept.timestamp}"
            f" (the root at size {kept.size} differs from the one it signed)"
        )
    else:
        result.findings.append(
            f"audit log RE-HASHED: the chain verifies but the root at size {kept.size} differs from the checkpoint of"
            f" {kept.timestamp}: entries it sealed were rewritten and the chain recomputed over them"
        )
    return result


# ---- witnessing another registry -------------------------------------------------------------


@dataclass
class Witnessed:
    ok: bool
    message: str
    checkpoint: dict[str, Any] | None = None


def witness(base_url: str, fetch: Callable[[str], Any], kept: dict[str, Any] | None) -> Witnessed:
    """Fetch a registry's checkpoint and keys, and prove its log extends the checkpoint kept from last time.

    `fetch(url)` returns the parsed JSON of a URL. The first visit trusts what it sees (and keeps it).
    """
    base = base_url.rstrip("/").removesuffix("/.well-known/registry-log/checkpoint")
    keyset = fetch(f"{base}/.well-known/registry-keys.json")
    try:
        new = read_checkpoint(fetch(f"{base}/.well-known/registry-log/checkpoint"), keyset)
    except offline.DocumentRejected as err:
        return Witnessed(False, f"REFUSED: the checkpoint of {base}: {err}")
    if kept is None:
        return Witnessed(True, f"first checkpoint kept: size {new.size}, root {new.root.hex()}", new.doc)
    try:
        old = read_checkpoint(kept, keyset) if offline.find_key(keyset, kept.get("kid")) else None
    except offline.DocumentRejected as err:
        return Witnessed(False, f"REFUSED: the kept checkpoint: {err}")
    if old is None:  # its key is no longer published: the kept copy was checked when it was kept
        old = Checkpoint(int(kept["tree_size"]), _unhex(kept.get("root_hash"), "root_hash"), kept["timestamp"], kept)
    if new.size < old.size:
        return Witnessed(
            False, f"TRUNCATED: {base} now signs {new.size} entries; it signed {old.size} on {old.timestamp}"
        )
    answer = fetch(f"{base}/.well-known/registry-log/consistency?first={old.size}&second={new.size}")
    proof = [bytes.fromhex(p) for p in answer.get("proof", [])] if isinstance(answer, dict) else []
    if not merkle.verify_consistency(old.size, new.size, old.root, new.root, proof):
        return Witnessed(
            False,
            f"NOT AN EXTENSION: {base}'s log at {new.size} does not extend the one it signed at {old.size}"
            f" on {old.timestamp}: history was rewritten",
        )
    return Witnessed(True, f"consistent: {old.size} → {new.size} entries, root {new.root.hex()}", new.doc)
