"""Size of the signed status list at 100,000 certificates (issue 17), and the time to encode and check it.

The list's size depends only on how many certificates there are and which bits are set, so the
certificates' statuses are drawn at random (BENCH_WITHDRAWN / BENCH_SUSPENDED shares, default 2 % and
1 %) and the document is built and signed by the same functions the endpoint uses.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta

from registry.services import offline, signing

CERTIFICATES = int(os.environ.get("BENCH_CERTIFICATES", 100_000))
SHARES = {
    "revocation": float(os.environ.get("BENCH_WITHDRAWN", 0.02)),
    "suspension": float(os.environ.get("BENCH_SUSPENDED", 0.01)),
}


def main() -> None:
    rng = random.Random(17)
    size = max(offline.MIN_LIST_BITS, -(-(CERTIFICATES + 1) // 8) * 8)
    status = {i: rng.random() for i in range(1, CERTIFICATES + 1)}
    cut = SHARES["revocation"]
    chosen = {
        "revocation": [i for i, r in status.items() if r < cut],
        "suspension": [i for i, r in status.items() if cut <= r < cut + SHARES["suspension"]],
    }
    with tempfile.TemporaryDirectory() as instance:
        started = time.perf_counter()
        lists = {purpose: offline.encode_bits(ids, size) for purpose, ids in chosen.items()}
        now = datetime.now(UTC).replace(microsecond=0)
        body = {
            "type": offline.STATUS_LIST_TYPE, "issuer": "https://registry.example.vn", "version": 1,
            "index": "certificate_id", "size": size, "valid_from": now.isoformat(),
            "valid_until": (now + timedelta(days=7)).isoformat(), "lists": lists,
        }  # fmt: skip
        text = json.dumps(signing.sign_document(instance, body), sort_keys=True, separators=(",", ":"))
        built = time.perf_counter() - started
        keyset = signing.public_keyset(instance)
        started = time.perf_counter()
        listed = offline.read_status_list(json.loads(text), keyset)
        checked = time.perf_counter() - started
    assert all(listed.status(i) == "withdrawn" for i in chosen["revocation"])
    print(
        f"{CERTIFICATES:,} certificates ({len(chosen['revocation']):,} withdrawn, {len(chosen['suspension']):,}"
        f" suspended): status list {len(text):,} bytes, {len(gzip.compress(text.encode())):,} bytes gzipped"
        f" in transit; built and signed in {built * 1000:.0f} ms, checked in {checked * 1000:.0f} ms"
    )
    empty = {p: offline.encode_bits([], size) for p in SHARES}
    print(f"with no certificate revoked or suspended: {len(json.dumps({**body, 'lists': empty})):,} bytes")


if __name__ == "__main__":
    main()
