"""`registry verify-certificate --keys FILE [--status-list FILE]` run as an inspector would: its own process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.test_verification import _issue, _keys_file, _scan
from tests.services.test_status_list import _transition

REGISTRY = Path(sys.executable).parent / "registry"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REGISTRY), "verify-certificate", *args], capture_output=True, text=True, timeout=60, check=False
    )


def _status_file(client, tmp_path: Path) -> Path:
    path = tmp_path / "registry-status-list.json"
    path.write_text(client.get("/.well-known/registry-status-list.json").get_data(as_text=True))
    return path


@pytest.fixture
def issued(world, client, tmp_path):
    cert, _, staff, _ = _issue(world, client)
    return cert, staff, _scan(client, cert["id"]), _keys_file(client, tmp_path)


def test_a_genuine_code_verifies_in_a_process_that_never_builds_the_app(client, tmp_path, issued):
    cert, _, url, keys = issued
    result = _run(url, "--keys", str(keys), "--status-list", str(_status_file(client, tmp_path)))
    assert result.returncode == 0, result.stderr
    assert f"number: {cert['number']}" in result.stdout and "signature valid" in result.stdout
    assert "not revoked or suspended per the status list version 1" in result.stdout
    # The fast path really is light: the same entry point imports neither Flask nor SQLAlchemy.
    probe = subprocess.run(
        [sys.executable, "-c",
         "import sys; sys.argv = ['registry', 'verify-certificate', sys.argv[1], '--keys', sys.argv[2]]\n"
         "from registry.console import main\n"
         "try:\n    main()\nexcept SystemExit:\n    pass\n"
         "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'qrcode', 'PIL'}))",
         url, str(keys)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert probe.stdout.strip().endswith("[]"), probe.stdout + probe.stderr


@pytest.mark.parametrize(("action", "word"), [("withdraw", "REVOKED"), ("suspend", "SUSPENDED")])
def test_a_certificate_revoked_before_the_sync_fails_offline_naming_it(world, client, tmp_path, issued, action, word):
    cert, staff, url, keys = issued
    _transition(world, client, staff, cert["id"], action)
    result = _run(url, "--keys", str(keys), "--status-list", str(_status_file(client, tmp_path)))
    assert result.returncode == 1
    assert f"Certificate {cert['number']} (id {cert['id']}) is {word}" in result.stderr
    assert "signature valid" in result.stdout  # the code is genuine; its status is what fails


def test_a_forged_status_list_or_code_is_refused(client, tmp_path, issued):
    _, _, url, keys = issued
    path = _status_file(client, tmp_path)
    doc = json.loads(path.read_text())
    doc["version"] += 1
    path.write_text(json.dumps(doc))
    result = _run(url, "--keys", str(keys), "--status-list", str(path))
    assert result.returncode == 1 and "The status list is refused: bad signature" in result.stderr
    token = url.split("t=", 1)[1]
    forged = url.replace(token, token[:-3] + ("000" if token[-3:] != "000" else "111"))
    result = _run(forged, "--keys", str(keys))
    assert result.returncode == 1 and "REFUSED" in result.stderr and "Traceback" not in result.stderr


def test_a_missing_or_broken_keys_file_is_a_usage_error(tmp_path, issued):
    _, _, url, _ = issued
    broken = tmp_path / "keys.json"
    broken.write_text("{not json")
    result = _run(url, "--keys", str(broken))
    assert result.returncode == 2 and "--keys" in result.stderr and "Traceback" not in result.stderr
    result = _run(url, "--keys", str(tmp_path / "absent.json"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
