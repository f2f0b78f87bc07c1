"""The OCOP and standards registry: `create_app` (built in registry/app.py) and nothing else at import time.

Importing the package builds nothing, so `registry verify-certificate --keys FILE` (registry/console.py)
starts without Flask, SQLAlchemy or the models; `from registry import create_app` loads them on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry.app import create_app


def __getattr__(name: str) -> Any:
    if name == "create_app":
        # Deferred on purpose (PEP 562): the offline verifier must not pay for the whole app.
        from registry.app import create_app

        return create_app
    raise AttributeError(f"module 'registry' has no attribute {name!r}")


__all__ = ["create_app"]
