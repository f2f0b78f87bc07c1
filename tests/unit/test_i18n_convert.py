"""scripts/i18n_convert.py: t(vi, en) calls become gettext, their English goes to the catalogue, once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "i18n_convert.py"

PAGE = '''"""A page."""

from flask import flash

from .producer import current_lang, t


def saved(user, n):
    flash(t("Đã lưu {}.", "{} is saved.").format(user.email))
    flash(t(f"Còn {n:,} dòng (100%)", f"{n:,} rows left (100%)"))
    return t("Tên", "Name"), current_lang()
'''
TEMPLATE = """<h1>{{ t('Sản phẩm', 'Products') }}</h1>
<p>{{ tr("Đạt 100%", "100% met") }} {{ t('Sản phẩm', 'Product', ctx='one') }}</p>
"""


def _run(tmp_path: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    po = tmp_path / "messages.po"
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--po", str(po), *map(str, files)], capture_output=True, text=True
    )


def _entries(tmp_path: Path) -> dict[tuple[str | None, str], str]:
    with (tmp_path / "messages.po").open("rb") as fh:
        return {(m.context, m.id): m.string for m in read_po(fh) if m.id}


def test_calls_become_gettext_with_named_placeholders_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    page, template = tmp_path / "page.py", tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    template.write_text(TEMPLATE, encoding="utf-8")
    assert _run(tmp_path, page, template).returncode == 0
    code = page.read_text(encoding="utf-8")
    assert 'flash(_("Đã lưu %(email)s.", email=user.email))' in code
    assert "_(\"Còn %(n)s dòng (100%%)\", n=format(n, ','))" in code
    assert "from .producer import current_lang\n" in code and "from flask_babel import gettext as _" in code
    html = template.read_text(encoding="utf-8")
    assert "{{ _('Sản phẩm') }}" in html and '{{ _("Đạt 100%%") }}' in html
    assert "{{ pgettext('one', 'Sản phẩm') }}" in html
    assert _entries(tmp_path) == {
        (None, "Đã lưu %(email)s."): "%(email)s is saved.",
        (None, "Còn %(n)s dòng (100%%)"): "%(n)s rows left (100%%)",
        (None, "Tên"): "Name",
        (None, "Sản phẩm"): "Products",
        (None, "Đạt 100%%"): "100%% met",  # Jinja's gettext always formats
        ("one", "Sản phẩm"): "Product",
    }
    before = [p.read_bytes() for p in (page, template, tmp_path / "messages.po")]
    assert "changed 0 file(s), 0 new" in _run(tmp_path, page, template).stdout
    assert [p.read_bytes() for p in (page, template, tmp_path / "messages.po")] == before


def test_a_known_msgid_with_other_english_is_left_for_a_human(tmp_path: Path) -> None:
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    first.write_text("{{ t('Tên', 'Name') }}", encoding="utf-8")
    second.write_text("{{ t('Tên', 'Title') }}", encoding="utf-8")
    assert _run(tmp_path, first).returncode == 0
    result = _run(tmp_path, second)
    assert result.returncode == 1 and "'Tên' is already 'Name', here 'Title'" in result.stderr
    assert second.read_text(encoding="utf-8") == "{{ t('Tên', 'Title') }}"
    assert _entries(tmp_path) == {(None, "Tên"): "Name"}
