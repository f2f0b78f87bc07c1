"""The page's language (?lang=, the user's choice, the browser, then Vietnamese) and table entries in it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

from flask import request, session
from flask_babel import LazyString, get_locale
from flask_login import current_user

from registry.messages import SUPPORTED

# A code's name: a lazy gettext string (page tables), or a (vi, en) pair (`registry.vocabulary`, shared with PDFs).
Entry: TypeAlias = LazyString | tuple[str, str]
Table = Mapping[str, Entry]


def select_locale() -> str:
    lang = request.args.get("lang")
    if lang in SUPPORTED:
        session["lang"] = lang
        return lang
    if session.get("lang") in SUPPORTED:
        return str(session["lang"])
    if current_user and current_user.is_authenticated and current_user.language in SUPPORTED:
        return str(current_user.language)
    return request.accept_languages.best_match(SUPPORTED, default="vi") or "vi"


def text(entry: str | Entry) -> str:
    if isinstance(entry, tuple):
        locale = get_locale()
        return entry[1] if locale is not None and locale.language == "en" else entry[0]
    return str(entry)
