"""The English catalogue: complete, placeholders intact, covering every text the code asks for, used per request."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from tests.web.staff import login

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "registry" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[sdf%]")


def _catalog(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh)


def _placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(0) != "%%")


def test_every_english_entry_is_translated_with_the_placeholders_of_its_msgid() -> None:
    problems = []
    for message in _catalog(PO):
        if not message.id:
            continue
        if not message.string or message.fuzzy:
            problems.append(f"untranslated: {message.id!r}")
        elif _placeholders(message.id) != _placeholders(message.string):
            problems.append(f"placeholders differ: {message.id!r} → {message.string!r}")
    assert problems == []


def test_every_text_in_the_code_and_templates_has_an_english_entry(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    pybabel = [sys.executable, "-c", "from babel.messages.frontend import main; main()"]
    subprocess.run(
        [*pybabel, "-q", "extract", "-F", "babel.cfg", "-k", "_lp:1c,2", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
    )
    english = {(m.context, m.id) for m in _catalog(PO) if m.id}
    used = {(m.context, m.id): m.locations for m in _catalog(pot) if m.id}
    assert used, "nothing extracted: is babel.cfg right?"
    missing = {key: where for key, where in used.items() if key not in english}
    assert missing == {}, "run scripts/i18n_convert.py or `make translations` and write the English"


@pytest.mark.parametrize("first", ["vi", "en"])
def test_a_page_follows_the_language_chosen_on_each_request(client, world, first) -> None:
    """flask-babel caches its choice on `g`, which the test client's requests share."""
    heading = next(m for m in _catalog(PO) if m.id == "Tài khoản" and m.context is None)
    login(client, world.admin)
    second = "en" if first == "vi" else "vi"
    pages = {lang: client.get(f"/admin/users?lang={lang}").get_data(as_text=True) for lang in (first, second)}
    assert f"<h1>{heading.string}" in pages["en"] and f"<h1>{heading.id}" not in pages["en"]
    assert f"<h1>{heading.id}" in pages["vi"] and f"<h1>{heading.string}" not in pages["vi"]
