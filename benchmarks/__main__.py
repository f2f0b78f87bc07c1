"""`make bench`: run every benchmark module listed here, in order."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS: list[str] = ["scan", "stats", "imports", "search", "status_list", "transparency"]


def main() -> int:
    if not BENCHMARKS:
        print("no benchmarks yet")
        return 0
    for name in BENCHMARKS:
        print(f"== {name} ==", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
