"""Regenerate seeds/places/*.csv: Vietnam's 34 provinces and 3,321 communes (2025).

Usage::

    python scripts/regen_places.py   # writes seeds/places/{provinces,communes}.csv
    python scripts/regen_places.py --source PATH/TO/nested-divisions.json
    python scripts/regen_places.py --out-dir DIR

The data comes from the PyPI package ``vietnam-provinces`` (GPL-3.0, data from
the General Statistics Office of Viet Nam). Because of that licence the package
is used ONLY by this regeneration tool, never by the application at run time;
only the generated CSV files (names and codes of public administrative units)
are committed. The package is not a project dependency: install it into a
throwaway environment first, e.g.::

    python3 -m venv /tmp/vp
    /tmp/vp/bin/pip install 'vietnam-provinces==2025.10.1'
    /tmp/vp/bin/python scripts/regen_places.py

(2025.10.1 supports Python 3.10+; the 2026 releases need 3.12+.) Alternatively,
without installing, download and unzip the wheel and pass its data file::

    pip download --no-deps -d /tmp/vpdl 'vietnam-provinces==2025.10.1'
    unzip -o /tmp/vpdl/*.whl -d /tmp/vpdl/x
    python scripts/regen_places.py \
        --source /tmp/vpdl/x/vietnam_provinces/data/nested-divisions.json

Apart from that package, only the standard library is used.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = ROOT / "seeds" / "places"

EXPECTED_PROVINCES = 34
EXPECTED_CITIES = 6

PROVINCE_KINDS: dict[str, str] = {
    "tỉnh": "province",
    "thành phố trung ương": "city",
}
PROVINCE_PREFIXES: tuple[str, ...] = ("Thành phố ", "Tỉnh ")

COMMUNE_KINDS: dict[str, tuple[str, str]] = {
    # division_type -> (kind, name prefix)
    "phường": ("ward", "Phường"),
    "xã": ("commune", "Xã"),
    "đặc khu": ("special_zone", "Đặc khu"),
}

PROVINCE_HEADER = ("code", "slug", "name", "name_en", "kind")
COMMUNE_HEADER = ("code", "province_code", "slug", "name", "kind")


def nfc(text: str) -> str:
    """Return ``text`` NFC-normalised with surrounding/duplicate spaces collapsed."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


def slugify(text: str) -> str:
    """Unaccented, lowercase, hyphenated form of ``text`` (đ/Đ become d)."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "d").lower()
    return re.sub(r"[^a-z0-9]+", "-", stripped).strip("-")


def unaccent(text: str) -> str:
    """``text`` without diacritics (đ/Đ become d/D), case kept."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "D")


def strip_prefix(name: str, prefixes: tuple[str, ...]) -> str:
    """Remove the first matching prefix from ``name``."""
    for prefix in prefixes:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def load_source(source: Path | None) -> tuple[list[dict[str, Any]], str]:
    """Load the nested divisions JSON; return (data, description of the source)."""
    if source is None:
        try:
            import vietnam_provinces  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            sys.exit(
                "vietnam-provinces is not installed; see this script's docstring "
                "(pip install 'vietnam-provinces==2025.10.1' in a throwaway venv) "
                "or pass --source PATH/TO/nested-divisions.json"
            )
        source = Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)
        label = (
            f"vietnam-provinces {vietnam_provinces.__version__} "
            f"(data {getattr(vietnam_provinces, '__data_version__', '?')})"
        )
    else:
        label = str(source)
    with source.open(encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, list):
        sys.exit(f"unexpected JSON structure in {source}")
    return data, label


def build_rows(
    data: list[dict[str, Any]],
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Turn the package's nested JSON into province and commune rows."""
    provinces: list[dict[str, str]] = []
    communes: list[dict[str, str]] = []
    for prov in data:
        pcode = f"{int(prov['code']):02d}"
        ptype = prov["division_type"]
        if ptype not in PROVINCE_KINDS:
            sys.exit(f"unknown province division_type {ptype!r} ({pcode})")
        kind = PROVINCE_KINDS[ptype]
        name = strip_prefix(nfc(prov["name"]), PROVINCE_PREFIXES)
        suffix = "City" if kind == "city" else "Province"
        provinces.append(
            {
                "code": pcode,
                "slug": slugify(name),
                "name": name,
                "name_en": f"{unaccent(name)} {suffix}",
                "kind": kind,
            }
        )

        rows: list[dict[str, str]] = []
        for ward in prov["wards"]:
            wtype = ward["division_type"]
            if wtype not in COMMUNE_KINDS:
                sys.exit(f"unknown ward division_type {wtype!r} ({ward['code']})")
            wkind, prefix = COMMUNE_KINDS[wtype]
            wname = nfc(ward["name"])
            if not wname.startswith(prefix + " "):
                wname = f"{prefix} {wname}"
            bare = wname[len(prefix) + 1 :]
            rows.append(
                {
                    "code": f"{int(ward['code']):05d}",
                    "province_code": pcode,
                    "slug": slugify(bare),
                    "name": wname,
                    "kind": wkind,
                }
            )
        dupes = {s for s, n in Counter(r["slug"] for r in rows).items() if n > 1}
        for row in rows:
            if row["slug"] in dupes:
                row["slug"] = f"{row['slug']}-{row['code']}"
        communes.extend(rows)

    provinces.sort(key=lambda r: r["code"])
    communes.sort(key=lambda r: r["code"])
    return provinces, communes


def check(provinces: list[dict[str, str]], communes: list[dict[str, str]]) -> None:
    """Sanity checks; exit non-zero on failure."""
    problems: list[str] = []
    if len(provinces) != EXPECTED_PROVINCES:
        problems.append(f"{len(provinces)} provinces, expected {EXPECTED_PROVINCES}")
    cities = [p for p in provinces if p["kind"] == "city"]
    if len(cities) != EXPECTED_CITIES:
        problems.append(f"{len(cities)} cities, expected {EXPECTED_CITIES}")
    for field in ("code", "slug"):
        values = [p[field] for p in provinces]
        if len(set(values)) != len(values):
            problems.append(f"duplicate province {field}")
    for slug in ("thai-nguyen", "gia-lai", "dong-nai", "ha-noi", "ho-chi-minh"):
        if slug not in {p["slug"] for p in provinces}:
            problems.append(f"missing province slug {slug}")
    codes = [c["code"] for c in communes]
    if len(set(codes)) != len(codes):
        problems.append("duplicate commune code")
    pairs = [(c["province_code"], c["slug"]) for c in communes]
    if len(set(pairs)) != len(pairs):
        problems.append("duplicate commune slug within a province")
    per_province = Counter(c["province_code"] for c in communes)
    for p in provinces:
        if per_province[p["code"]] == 0:
            problems.append(f"province {p['code']} has no communes")
    if not 3000 <= len(communes) <= 3600:
        problems.append(f"{len(communes)} communes, expected about 3,321")
    if problems:
        sys.exit("sanity check failed:\n  " + "\n  ".join(problems))


def write_csv(path: Path, header: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    """Write ``rows`` as UTF-8 CSV with LF line endings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=None,
        help="nested-divisions.json from the vietnam-provinces package (default: the installed package's file)",
    )
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    args = parser.parse_args(argv)

    data, label = load_source(args.source)
    provinces, communes = build_rows(data)
    check(provinces, communes)
    write_csv(args.out_dir / "provinces.csv", PROVINCE_HEADER, provinces)
    write_csv(args.out_dir / "communes.csv", COMMUNE_HEADER, communes)
    kinds = Counter(c["kind"] for c in communes)
    print(
        f"source: {label}\n"
        f"provinces: {len(provinces)} "
        f"({sum(p['kind'] == 'city' for p in provinces)} cities)\n"
        f"communes: {len(communes)} ({dict(kinds)})\n"
        f"written to {args.out_dir}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
