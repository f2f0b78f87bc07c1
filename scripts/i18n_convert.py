"""Turn `t(vi, en)` calls into gettext calls and put their English into the English catalogue.

    .venv/bin/python scripts/i18n_convert.py registry/web/admin.py registry/web/templates/admin/*.html

Vietnamese is the source language: the first argument of each call becomes the msgid (NFC) and the
second its English msgstr in `registry/translations/en/LC_MESSAGES/messages.po`, kept sorted and
deduplicated. Python calls become `_("…")` (f-strings and `.format()` become `%(name)s` placeholders
passed as keywords); template calls `t('…', '…')` / `tr('…', '…')` become `_('…')`. A call whose
msgid is already in the catalogue with another English is left as it is and reported (exit status 1):
a human decides whether it is the same text or a homonym, and for a homonym adds a context to the
call, `t("Chứng chỉ", "Certificate", ctx="one")`, and runs the script again: it becomes
`pgettext("one", "Chứng chỉ")`. Calls with non-literal arguments are reported too. Running it again
over converted files changes nothing.

With `--tables`, Python 2-tuples of string literals that are values of module-level dicts
(`LABELS = {"name": ("Tên", "Name")}`) become `_lp("labels", "Tên")` (lazy_pgettext, the table's
name as context: a field label and the same words in a sentence may need different English); their
readers must then use `str(value)` instead of unpacking (vi, en), which this script leaves to you.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "registry" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
CALLS = ("t", "tr")
GETTEXT_IMPORT = "from flask_babel import gettext as _"
LAZY_IMPORT = "from flask_babel import lazy_pgettext as _lp"
PGETTEXT_IMPORT = "from flask_babel import pgettext"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass
class Report:
    """What a run did and what it left for a human."""

    pairs: dict[tuple[str | None, str], str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def add(
        self, where: str, msgid: str, english: str, known: dict[tuple[str | None, str], str], ctx: str | None = None
    ) -> bool:
        """Record a pair; False (and a problem) when the msgid already has another English."""
        msgid, english = nfc(msgid), nfc(english)
        if not english:
            self.problems.append(f"{where}: no English for {msgid!r}; write a whole sentence by hand")
            return False
        have = known.get((ctx, msgid), self.pairs.get((ctx, msgid)))
        if have is not None and have != english:
            self.problems.append(
                f"{where}: {msgid!r} is already {have!r}, here {english!r}: same text, or a homonym (ctx=…)?"
            )
            return False
        self.pairs[(ctx, msgid)] = english
        return True


# --- Python -------------------------------------------------------------------------------------


def _placeholder_name(node: ast.expr, taken: dict[str, str], source: str) -> str:
    if isinstance(node, ast.Name):
        base = node.id
    elif isinstance(node, ast.Attribute):
        base = node.attr
    elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        base = str(node.slice.value)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
        base = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
    else:
        base = "value"
    base = re.sub(r"\W", "_", base).strip("_") or "value"
    name, n = base, 1
    while name in taken and taken[name] != source:
        n += 1
        name = f"{base}{n}"
    taken[name] = source
    return name


def _value_source(node: ast.FormattedValue | ast.expr, src: str) -> str:
    """The keyword argument's expression, keeping an f-string's conversion and format spec."""
    if not isinstance(node, ast.FormattedValue):
        return ast.get_source_segment(src, node) or ast.unparse(node)
    inner = ast.get_source_segment(src, node.value) or ast.unparse(node.value)
    if node.conversion == ord("r"):
        inner = f"repr({inner})"
    elif node.conversion == ord("a"):
        inner = f"ascii({inner})"
    if node.format_spec is not None:
        spec = ast.unparse(node.format_spec)  # a JoinedStr: f'...'
        inner = f"format({inner}, {spec[1:]})" if spec.startswith("f") else f"format({inner}, {spec})"
    return inner


def _template_of(node: ast.expr, src: str, taken: dict[str, str]) -> tuple[str, dict[str, str]] | None:
    """An f-string or literal as a %-template and its {placeholder: expression source}."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, {}
    if not isinstance(node, ast.JoinedStr):
        return None
    parts, values = [], {}
    for piece in node.values:
        if isinstance(piece, ast.Constant):
            parts.append(str(piece.value).replace("%", "%%"))
        elif isinstance(piece, ast.FormattedValue):
            expr = _value_source(piece, src)
            name = _placeholder_name(piece.value, taken, expr)
            values[name] = expr
            parts.append(f"%({name})s")
    return "".join(parts), values


_FIELD = re.compile(r"\{([^{}]*)\}")


def _format_template(text: str, args: list[str], kwargs: dict[str, str], names: list[str]) -> tuple[str, dict]:
    """A str.format template as a %-template, with {placeholder: expression source}."""
    values: dict[str, str] = {}
    counter = iter(range(len(args)))

    def swap(match: re.Match[str]) -> str:
        key = match.group(1)
        if not key or key.isdigit():
            index = int(key) if key else next(counter)
            name = names[index]
            values[name] = args[index]
        elif key.isidentifier() and key in kwargs:
            name, values[key] = key, kwargs[key]
        else:
            raise ValueError(f"format field {{{key}}}")
        return f"%({name})s"

    escaped = text.replace("%", "%%").replace("{{", "\0").replace("}}", "\1")
    out = _FIELD.sub(swap, escaped).replace("\0", "{").replace("\1", "}")
    return out, values


def _call_source(msgid: str, values: dict[str, str], ctx: str | None = None) -> str:
    args = [_py_literal(msgid if values else msgid.replace("%%", "%"))]
    if ctx is not None:
        args.insert(0, _py_literal(ctx))
    args += [f"{k}={v}" for k, v in values.items()]
    return ("pgettext(" if ctx is not None else "_(") + ", ".join(args) + ")"


def _context(call: ast.Call) -> str | None:
    for k in call.keywords:
        if k.arg == "ctx" and isinstance(k.value, ast.Constant):
            return str(k.value.value)
    return None


def _py_literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _is_t_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in CALLS
        and len(node.args) == 2
        and all(k.arg == "ctx" and isinstance(k.value, ast.Constant) for k in node.keywords)
    )


def _offset(lines_at: list[int], lineno: int, col: int) -> int:
    return lines_at[lineno - 1] + col


def convert_python(path: Path, report: Report, known: dict, tables: bool) -> str:
    src = path.read_text(encoding="utf-8")
    tree = ast.parse(src)
    line_starts = [0]
    for line in src.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line.encode("utf-8")))
    raw = src.encode("utf-8")
    edits: list[tuple[int, int, str]] = []
    inside: set[int] = set()

    def span(node: ast.AST) -> tuple[int, int]:
        start = _offset(line_starts, node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = _offset(line_starts, node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, end

    for node in ast.walk(tree):
        # t("… {} …", "… {} …").format(x)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and _is_t_call(node.func.value)
        ):
            call = node.func.value
            assert isinstance(call, ast.Call)
            inside.add(id(call))
            where = f"{path}:{node.lineno}"
            vi, en = call.args
            if not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in (vi, en)):
                report.problems.append(f"{where}: t(…).format() with non-literal text; convert by hand")
                continue
            if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
                report.problems.append(f"{where}: .format(*args/**kwargs); convert by hand")
                continue
            args = [_value_source(a, src) for a in node.args]
            kwargs = {k.arg: _value_source(k.value, src) for k in node.keywords if k.arg}
            taken: dict[str, str] = dict.fromkeys(kwargs, "")
            names = [_placeholder_name(a, taken, s) for a, s in zip(node.args, args, strict=True)]
            try:
                msgid, values = _format_template(str(vi.value), args, kwargs, names)  # type: ignore[union-attr]
                english, values_en = _format_template(str(en.value), args, kwargs, names)  # type: ignore[union-attr]
            except (ValueError, StopIteration, IndexError) as exc:
                report.problems.append(f"{where}: {exc}; convert by hand")
                continue
            if set(values) != set(values_en):
                report.problems.append(f"{where}: Vietnamese and English use different values; convert by hand")
                continue
            ctx = _context(call)
            if report.add(where, _plain(msgid, values), _plain(english, values), known, ctx):
                edits.append((*span(node), _call_source(nfc(msgid), values, ctx)))
    for node in ast.walk(tree):
        if not _is_t_call(node) or id(node) in inside:
            continue
        assert isinstance(node, ast.Call)
        where = f"{path}:{node.lineno}"
        taken = {}
        vi = _template_of(node.args[0], src, taken)
        en = _template_of(node.args[1], src, taken)
        if vi is None or en is None:
            report.problems.append(f"{where}: {ast.get_source_segment(src, node)} has non-literal text; by hand")
            continue
        if set(vi[1]) != set(en[1]):
            report.problems.append(f"{where}: Vietnamese and English use different values; convert by hand")
            continue
        ctx = _context(node)
        if report.add(where, _plain(*vi), _plain(*en), known, ctx):
            edits.append((*span(node), _call_source(nfc(vi[0]), vi[1], ctx)))
    if tables:
        edits += _table_edits(tree, span, path, report, known)
    if not edits:
        return src
    for start, end, text in sorted(edits, reverse=True):
        raw = raw[:start] + text.encode("utf-8") + raw[end:]
    out = raw.decode("utf-8")
    out = _ensure_import(out, GETTEXT_IMPORT, r"\b_\(")
    out = _ensure_import(out, LAZY_IMPORT, r"\b_lp\(")
    out = _ensure_import(out, PGETTEXT_IMPORT, r"\bpgettext\(")
    return _drop_unused_t_import(out)


def _plain(template: str, values: dict[str, str]) -> str:
    """The catalogue keeps `%%` only where the call formats values (gettext leaves other text as is)."""
    return template if values else template.replace("%%", "%")


def _table_edits(tree: ast.Module, span, path: Path, report: Report, known: dict) -> list[tuple[int, int, str]]:  # type: ignore[no-untyped-def]
    edits = []

    def visit(value: ast.expr, ctx: str) -> None:
        if isinstance(value, ast.Dict):
            for item in value.values:
                visit(item, ctx)
        elif (
            isinstance(value, ast.Tuple)
            and len(value.elts) == 2
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts)
        ):
            vi, en = (str(e.value) for e in value.elts)  # type: ignore[attr-defined]
            if report.add(f"{path}:{value.lineno}", vi, en, known, ctx):
                edits.append((*span(value), f"_lp({_py_literal(ctx)}, {_py_literal(nfc(vi))})"))

    for stmt in tree.body:
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) else getattr(stmt, "target", None)
        if isinstance(target, ast.Name) and isinstance(stmt.value, ast.Dict):
            visit(stmt.value, target.id.lower())
    return edits


def _ensure_import(src: str, line: str, used: str) -> str:
    """Add the import after the module's last top-level import (`ruff check --fix` sorts it)."""
    if not re.search(used, src) or line in src:
        return src
    imports = [n for n in ast.parse(src).body if isinstance(n, ast.Import | ast.ImportFrom)]
    lines = src.splitlines(keepends=True)
    at = imports[-1].end_lineno if imports else 0
    lines.insert(at or 0, line + "\n")
    return "".join(lines)


def _drop_unused_t_import(src: str) -> str:
    """`from .producer import current_lang, t` loses `t` once no call is left."""
    if re.search(r"(?<![\w.])t\(", re.sub(r"^from .*$", "", src, flags=re.M)):
        return src

    def drop(match: re.Match[str]) -> str:
        names = [n.strip() for n in match.group(2).split(",") if n.strip() and n.strip() != "t"]
        return f"{match.group(1)}{', '.join(names)}" if names else ""

    return re.sub(r"^(from [\w.]+ import )([\w ,]+)$", drop, src, flags=re.M).replace("\n\n\n\n", "\n\n\n")


# --- templates ----------------------------------------------------------------------------------

_STR = r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\""""
_JINJA_CALL = re.compile(rf"(?<![\w.])(?:t|tr)\(\s*({_STR})\s*,\s*({_STR})\s*(?:,\s*ctx\s*=\s*({_STR})\s*)?\)", re.S)
_LEFT = re.compile(r"(?<![\w.])(?:t|tr)\(")


def _jinja_value(literal: str) -> str:
    return ast.literal_eval(literal)


def convert_template(path: Path, report: Report, known: dict) -> str:
    src = path.read_text(encoding="utf-8")

    def swap(match: re.Match[str]) -> str:
        line = src.count("\n", 0, match.start()) + 1
        # Jinja's new-style gettext always applies `%`, so a percent sign is `%%` in the call and the catalogue.
        vi, en = (_jinja_value(match.group(i)).replace("%", "%%") for i in (1, 2))
        ctx = _jinja_value(match.group(3)) if match.group(3) else None
        if not report.add(f"{path}:{line}", vi, en, known, ctx):
            return match.group(0)
        quote = match.group(1)[0]
        text = nfc(vi).replace("\\", "\\\\").replace(quote, "\\" + quote)
        if ctx is not None:
            return f"pgettext({match.group(3)}, {quote}{text}{quote})"
        return f"_({quote}{text}{quote})"

    out = _JINJA_CALL.sub(swap, src)
    for match in _LEFT.finditer(out):
        line = out.count("\n", 0, match.start()) + 1
        report.problems.append(f"{path}:{line}: {out[match.start() : match.start() + 50]!r}… left as is; by hand")
    return out


# --- catalogue ----------------------------------------------------------------------------------


def load_catalog(path: Path) -> Catalog:
    if path.exists():
        with path.open("rb") as fh:
            return read_po(fh, locale="en")
    return Catalog(locale="en", project="ocop-registry", fuzzy=False)


def save_catalog(catalog: Catalog, path: Path) -> bool:
    buf = io.BytesIO()
    write_po(buf, catalog, sort_output=True, no_location=True, width=100)
    data = buf.getvalue()
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--po", type=Path, default=PO, help="the English catalogue (default: %(default)s)")
    parser.add_argument("--tables", action="store_true", help="also module-level dicts of (vi, en) tuples")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    ns = parser.parse_args(argv)
    catalog = load_catalog(ns.po)
    known = {(m.context, m.id): m.string for m in catalog if m.id}
    report = Report()
    for path in ns.files:
        if path.suffix == ".py":
            new = convert_python(path, report, known, ns.tables)
        else:
            new = convert_template(path, report, known)
        if new != path.read_text(encoding="utf-8"):
            report.changed.append(str(path))
            if not ns.check:
                path.write_text(new, encoding="utf-8")
    added = 0
    for (context, msgid), english in report.pairs.items():
        if (context, msgid) not in known:
            catalog.add(msgid, english, context=context)
            added += 1
    if not ns.check and added:
        save_catalog(catalog, ns.po)
    for problem in report.problems:
        print("CHECK", problem, file=sys.stderr)
    verb = "would change" if ns.check else "changed"
    print(f"{verb} {len(report.changed)} file(s), {added} new catalogue entr{'y' if added == 1 else 'ies'}")
    return 1 if report.problems or (ns.check and report.changed) else 0


if __name__ == "__main__":
    sys.exit(main())
