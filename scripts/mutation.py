"""`make mutation`: mutation testing (cosmic-ray) of the write rules and the certificate lifecycle.

Mutates `registry/services/permissions.py` and `registry/models/lifecycle.py` one change at a time, runs the
fast truth tables (tests/unit/test_permission_rules.py, see scripts/mutation.toml) against each mutant and
reports the figures and every survivor. Exits 1 when a mutant survives that is not a documented equivalent.

Mutants inside type annotations are skipped before the run: both modules use `from __future__ import
annotations`, so no annotation is ever evaluated and every such mutant (`str | None` → `str % None`, …) is
equivalent by construction. Other equivalent mutants, if any, are listed in EQUIVALENT with the reason.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import WorkerOutcome, WorkResult

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "mutation.toml"
SESSION = ROOT / ".mutation" / "session.sqlite"
TARGETS = [ROOT / "registry" / "services" / "permissions.py", ROOT / "registry" / "models" / "lifecycle.py"]
BIN = Path(sys.executable).parent

# (module path, function, operator) of mutants that cannot change behaviour, each with its reason.
EQUIVALENT: dict[tuple[str, str, str], str] = {}


def _annotation_spans(path: Path) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    spans = []
    for node in ast.walk(ast.parse(path.read_text())):
        annotations: list[ast.expr | None] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            annotations += [a.annotation for a in every if a is not None]
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        for ann in annotations:
            if ann is not None and ann.end_lineno is not None and ann.end_col_offset is not None:
                spans.append(((ann.lineno, ann.col_offset), (ann.end_lineno, ann.end_col_offset)))
    return spans


def _skip_annotations(db: WorkDB) -> int:
    spans = {str(p.relative_to(ROOT)): _annotation_spans(p) for p in TARGETS}
    skipped = 0
    for item in list(db.pending_work_items):
        mutation = item.mutations[0]
        start = tuple(mutation.start_pos)
        if any(a <= start < b for a, b in spans.get(str(mutation.module_path), [])):
            db.set_result(item.job_id, WorkResult(output="inside an annotation", worker_outcome=WorkerOutcome.SKIPPED))
            skipped += 1
    return skipped


def _run(*args: str) -> None:
    subprocess.run([str(BIN / args[0]), *args[1:]], cwd=ROOT, check=True)


def main() -> int:
    originals = {p: p.read_bytes() for p in TARGETS}
    SESSION.parent.mkdir(exist_ok=True)
    SESSION.unlink(missing_ok=True)
    started = time.monotonic()
    try:
        _run("cosmic-ray", "init", str(CONFIG), str(SESSION))
        with use_db(str(SESSION)) as db:
            annotations = _skip_annotations(db)
        _run("cosmic-ray", "baseline", str(CONFIG))
        _run("cosmic-ray", "exec", str(CONFIG), str(SESSION))
    finally:
        for path, content in originals.items():  # cosmic-ray restores each file; make sure of it
            if path.read_bytes() != content:
                path.write_bytes(content)
    elapsed = time.monotonic() - started
    dump = subprocess.run(
        [str(BIN / "cosmic-ray"), "dump", str(SESSION)], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    outcomes: Counter[str] = Counter()
    per_file: dict[str, Counter[str]] = {}
    survivors = []
    for line in dump.splitlines():
        job, result = json.loads(line)
        mutation = job["mutations"][0]
        if result is None:
            outcome = "pending"
        elif result["worker_outcome"] == "skipped":
            outcome = "skipped"
        else:
            outcome = result["test_outcome"] or result["worker_outcome"]
        outcomes[outcome] += 1
        per_file.setdefault(mutation["module_path"], Counter())[outcome] += 1
        if outcome == "survived":
            survivors.append(mutation)
    tested = sum(n for k, n in outcomes.items() if k != "skipped")
    print(f"\nmutants: {sum(outcomes.values())} generated, {annotations} inside annotations skipped, {tested} tested")
    for name, counts in sorted(per_file.items()):
        print(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"killed {outcomes['killed']}, survived {outcomes['survived']}, incompetent {outcomes['incompetent']}")
    print(f"time: {elapsed:.0f} s")
    unexplained = 0
    for m in survivors:
        key = (m["module_path"], m["definition_name"], m["operator_name"])
        reason = EQUIVALENT.get(key)
        line = m["start_pos"][0]
        print(f"  survivor {m['module_path']}:{line} {m['definition_name']} {m['operator_name']}"
              + (f" (equivalent: {reason})" if reason else ""))  # fmt: skip
        unexplained += reason is None
    if unexplained or outcomes["pending"]:
        print(f"{unexplained} survivor(s) without a test or a documented reason; {outcomes['pending']} pending")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
