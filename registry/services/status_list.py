"""The signed status list of every certificate, after W3C Bitstring Status List v1.0.

A certificate's index is its id, which its signed token carries, so a verifier needs nothing else to
look it up. Two bitstrings (revocation = withdrawn, suspension = suspended) each GZIP-compressed and
multibase base64url-encoded; expiry needs no list (the token carries `expires_on`). The signed document
is kept in the instance folder and re-signed, with the next version, when a status changes or the
kept one is a day old, so unchanged lists keep their ETag and every list is fresh for a week.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, scoped_session

from registry.extensions import db
from registry.models import Certificate
from registry.services import offline, signing

RESIGN_AFTER = timedelta(days=1)
VALID_FOR = timedelta(days=offline.STALE_AFTER_DAYS)


def _path(instance_path: str | Path) -> Path:
    return Path(instance_path) / "status-list.json"


def _lists(session: Session | scoped_session[Any]) -> tuple[int, dict[str, str]]:
    top = session.scalar(select(func.max(Certificate.id))) or 0
    size = max(offline.MIN_LIST_BITS, -(-(top + 1) // 8) * 8)
    ids = {
        purpose: session.scalars(select(Certificate.id).where(Certificate.lifecycle == lifecycle))
        for purpose, lifecycle in (("revocation", "withdrawn"), ("suspension", "suspended"))
    }
    return size, {purpose: offline.encode_bits(found, size) for purpose, found in ids.items()}


def _kept(instance_path: str | Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(_path(instance_path).read_text())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def current(instance_path: str | Path, issuer: str, session: Session | scoped_session[Any] | None = None) -> str:
    """The signed status list as served (JSON text): the kept one while it still says the same, else a new one."""
    sess = session or db.session
    size, lists = _lists(sess)
    now = datetime.now(UTC).replace(microsecond=0)
    kept = _kept(instance_path)
    if kept and kept.get("size") == size and kept.get("lists") == lists:
        signed_at = offline.parse_time(kept.get("valid_from"))
        if signed_at and now - signed_at < RESIGN_AFTER:
            return _path(instance_path).read_text()
    # Not the keys' own lock: signing may take that one to make a first key.
    with signing.locked(Path(instance_path), ".status-list.lock"):
        latest = _kept(instance_path) or {}
        body = {
            "type": offline.STATUS_LIST_TYPE,
            "issuer": issuer.rstrip("/"),
            "version": int(latest.get("version", 0)) + 1,
            "index": "certificate_id",
            "size": size,
            "valid_from": now.isoformat(),
            "valid_until": (now + VALID_FOR).isoformat(),
            "lists": lists,
        }
        text = json.dumps(signing.sign_document(instance_path, body), sort_keys=True, separators=(",", ":")) + "\n"
        tmp = _path(instance_path).with_suffix(".tmp")
        tmp.write_text(text)
        os.replace(tmp, _path(instance_path))  # readers in other workers never see half a file
    return text
