"""Where the standards' own artefacts are: `../shared/standards` beside the repository, as CI lays it out
(REGISTRY_STANDARDS_DIR points elsewhere, e.g. from a worktree)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker
from pyld import jsonld

ROOT = Path(__file__).resolve().parents[1]
STANDARDS = Path(os.environ.get("REGISTRY_STANDARDS_DIR") or ROOT.parent / "shared" / "standards")
EPCIS = STANDARDS / "epcis"
EPCIS_CONTEXT_URL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


def need_epcis() -> Path:
    """The EPCIS folder, or skip the test saying what is missing."""
    if not (EPCIS / "EPCIS-JSON-Schema.json").is_file():
        pytest.skip(f"GS1's EPCIS 2.0 artefacts not found at {EPCIS} (set REGISTRY_STANDARDS_DIR)")
    return EPCIS


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def epcis_validator() -> Any:
    return Draft7Validator(load(need_epcis() / "EPCIS-JSON-Schema.json"), format_checker=FormatChecker())


def cbv_terms(kind: str) -> set[str]:
    """The CBV 2.0 terms of `bizstep` or `disposition`, from GS1's own JSON-LD context."""
    context = load(need_epcis() / "JSON-LD-Context" / f"cbv-context-{kind}.jsonld")["@context"]
    return {k for k in context if not k.startswith("@") and k != "cbv"}


def expand(document: Any) -> Any:
    """JSON-LD expansion with pyld, GS1's EPCIS context read from the local copy (no network)."""
    context = load(need_epcis() / "epcis-context.jsonld")

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        if url != EPCIS_CONTEXT_URL:
            raise RuntimeError(f"no remote contexts in tests: {url}")
        return {"contextUrl": None, "documentUrl": url, "document": context}

    return jsonld.expand(document, {"documentLoader": loader})
