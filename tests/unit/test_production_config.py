"""A production start refuses unsafe settings, listing every problem at once (app, CLI and gunicorn)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from registry import create_app
from registry.config import ConfigurationError, load_config, production_problems

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "REGISTRY_ENV": "production",
    "SECRET_KEY": "k" * 48,
    "DATABASE_URL": "postgresql+psycopg://registry@127.0.0.1:5432/registry",
    "PUBLIC_BASE_URL": "https://registry.example.vn",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
REGISTRY_KEYS = (*GOOD, "FORCE_HTTPS", "REGISTRY_DEMO", "SMTP_URL")


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key in REGISTRY_KEYS:
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


def _problems(environ: pytest.MonkeyPatch, tmp_path: Path, **changes: str | None) -> list[str]:
    for key, value in {**GOOD, **changes}.items():
        if value is None:
            environ.delenv(key, raising=False)
        else:
            environ.setenv(key, value)
    return production_problems(load_config(tmp_path))


def test_a_complete_production_configuration_has_no_problem(environ: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert _problems(environ, tmp_path) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "short-but-random-9f3k"}, "SECRET_KEY is 21 characters long"),
        ({"SECRET_KEY": "change-me"}, "SECRET_KEY is a well-known example value"),
        ({"DATABASE_URL": None}, "DATABASE_URL points to SQLite"),
        ({"DATABASE_URL": "sqlite:////var/lib/registry/registry.db"}, "DATABASE_URL points to SQLite"),
        ({"PUBLIC_BASE_URL": None}, "PUBLIC_BASE_URL is not set"),
        ({"PUBLIC_BASE_URL": "http://registry.example.vn"}, "PUBLIC_BASE_URL is 'http://registry.example.vn'"),
        ({"REDIS_URL": None}, "REDIS_URL is not set"),
        ({"REGISTRY_ENV": "prod"}, "REGISTRY_ENV is 'prod'"),
    ],
)
def test_each_unsafe_setting_is_named(
    environ: pytest.MonkeyPatch, tmp_path: Path, changes: dict[str, str | None], expected: str
) -> None:
    problems = _problems(environ, tmp_path, **changes)
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems


def test_every_problem_is_listed_at_once_and_no_secret_is_generated(
    environ: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environ.setenv("REGISTRY_ENV", "production")
    with pytest.raises(ConfigurationError) as caught:
        create_app({"INSTANCE_DIR": str(tmp_path)})
    assert [p.split(" ")[0] for p in caught.value.problems] == [
        "SECRET_KEY",
        "DATABASE_URL",
        "PUBLIC_BASE_URL",
        "REDIS_URL",
    ]
    assert all(f"  - {p}" in str(caught.value) for p in caught.value.problems)


def test_development_starts_with_the_defaults(environ: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert production_problems(load_config(tmp_path)) == []


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in REGISTRY_KEYS}
    return {**env, **extra}


def test_the_cli_refuses_a_bad_production_start_with_every_message(tmp_path: Path) -> None:
    env = _env(REGISTRY_ENV="production", SECRET_KEY="abc", PUBLIC_BASE_URL="http://registry.example.vn")
    done = subprocess.run(
        [str(ROOT / ".venv/bin/registry"), "audit", "verify"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    for text in ("SECRET_KEY is 3 characters long", "DATABASE_URL points to SQLite", "http://", "REDIS_URL"):
        assert text in done.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_gunicorn_refuses_a_bad_production_start_before_any_worker(tmp_path: Path) -> None:
    env = _env(REGISTRY_ENV="production", PORT=str(_free_port()), WEB_CONCURRENCY="1")
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy/gunicorn.conf.py"), "registry:create_app()"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "Booting worker" not in done.stderr
    for text in ("SECRET_KEY is not set", "DATABASE_URL points to SQLite", "PUBLIC_BASE_URL is not set", "REDIS_URL"):
        assert text in done.stderr
