"""Choosing the language of a page: ?lang=, the user's choice, the browser, then Vietnamese."""

from __future__ import annotations

from flask import request, session
from flask_login import current_user

from registry.messages import SUPPORTED


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
