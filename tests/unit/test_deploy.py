"""deploy/ as an operator uses it: nginx accepts the site file, and serves the app through it over TLS."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from registry import create_app
from registry.extensions import db
from registry.services import organizations, products, seeding, users
from tests.helpers import valid_gtin13, valid_tax_code
from tests.pg_cluster import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
BROTLI = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")
HOST = "registry.example.vn"


def _self_signed(folder: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True)
    (folder / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


class Site:
    """deploy/nginx/registry.conf rewritten only where a test must differ: paths under tmp, free ports."""

    product_id: int
    gtin: str

    def __init__(self, root: Path, app_port: int) -> None:
        self.root = root
        self.http, self.https = free_port(), free_port()
        _self_signed(root / "certs")
        (root / "cache").mkdir()
        brotli = DEPLOY / "nginx" / ("brotli.conf" if BROTLI.exists() else "no-brotli.conf")
        site = (DEPLOY / "nginx" / "registry.conf").read_text()
        for old, new in (
            ("/etc/ssl/registry/", f"{root}/certs/"),
            ("/var/cache/nginx/registry ", f"{root}/cache/registry "),
            ("/var/cache/nginx/registry-scan ", f"{root}/cache/registry-scan "),
            ("/etc/nginx/snippets/registry-brotli.conf", str(brotli)),
            ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
            ("/opt/registry/app/", f"{ROOT}/"),
            ("listen 80;", f"listen 127.0.0.1:{self.http};"),
            ("listen [::]:80;", ""),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{self.https} ssl http2;"),
            ("listen [::]:443 ssl http2;", ""),
        ):
            assert old in site, old
            site = site.replace(old, new)
        (root / "site.conf").write_text(site)
        temp = "\n".join(
            f"    {kind}_temp_path {root}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (root / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + (f"load_module {BROTLI};\n" if BROTLI.exists() else "")
            + f"pid {root}/nginx.pid;\nerror_log {root}/error.log;\nworker_processes 1;\nevents {{}}\n"
            + "http {\n    include /etc/nginx/mime.types;\n    access_log off;\n"
            + f"{temp}\n    include {root}/site.conf;\n}}\n"
        )

    def nginx(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [NGINX, "-p", str(self.root), "-c", str(self.root / "nginx.conf"), "-e", str(self.root / "error.log")]
        return subprocess.run([*command, *args], capture_output=True, text=True, timeout=30)


@pytest.fixture
def nginx_available() -> None:
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (apt install nginx libnginx-mod-http-brotli-filter)")


def test_the_nginx_site_passes_nginx_t(nginx_available: None, tmp_path: Path) -> None:
    site = Site(tmp_path, app_port=free_port())
    done = site.nginx("-t")
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr


def test_compose_file_names_the_four_services_and_the_migration() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert {"postgres", "redis", "migrate", "app", "nginx"} == set(compose["services"])
    assert compose["services"]["migrate"]["command"] == ["registry", "db", "upgrade"]
    assert compose["services"]["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_every_systemd_unit_runs_a_command_that_exists(runner: object) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "k"})
    for unit in (DEPLOY / "systemd").glob("*.service"):
        line = next(x for x in unit.read_text().splitlines() if x.startswith("ExecStart="))
        words = line.removeprefix("ExecStart=").split()
        if words[0].endswith("/registry"):
            group, command = words[1], app.cli.get_command(None, words[1])  # type: ignore[arg-type]
            assert command is not None, (unit.name, group)
            if len(words) > 2 and not words[2].startswith("-") and hasattr(command, "get_command"):
                assert command.get_command(None, words[2]) is not None, unit.name  # type: ignore[arg-type]
        else:
            assert words[0].endswith("/gunicorn") and "registry:create_app()" in line, unit.name
    for timer in (DEPLOY / "systemd").glob("*.timer"):
        assert (timer.with_suffix(".service")).exists(), timer.name


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app under gunicorn (deploy/gunicorn.conf.py) on SQLite, behind the site's nginx (once per module)."""
    if not Path(NGINX).exists() or shutil.which("curl") is None:
        pytest.skip("nginx or curl is not installed (apt install nginx libnginx-mod-http-brotli-filter curl)")
    tmp_path = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{tmp_path}/registry.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k" * 40})
    with app.app_context():
        db.create_all()
        seeding.seed_places()
        admin = users.create_user(
            None, email="admin@deploy.vn", password="correct horse battery", role="admin", system=True
        )
        org = organizations.create_organization(
            admin,
            {"name": "Hợp tác xã Chè", "kind": "cooperative", "tax_code": valid_tax_code(1), "province": "thai-nguyen"},
        )
        product = products.create_product(
            admin, {"organization_id": org.id, "name": "Chè Tân Cương", "gtin": valid_gtin13(5)}
        )
        product_id = product.id
        db.session.remove()
        db.engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "k" * 40,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
        "PROXY_FIX_X_FOR": "1",
        "REGISTRY_INSTANCE_PATH": str(tmp_path / "instance"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"), "registry:create_app()"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    site = Site(tmp_path / "nginx", app_port=port)
    site.product_id, site.gtin = product_id, "0" + valid_gtin13(5)
    try:
        _wait(f"http://127.0.0.1:{port}/healthz")
        started = site.nginx()
        assert started.returncode == 0, started.stderr
        yield site
    finally:
        site.nginx("-s", "stop")
        gunicorn.terminate()
        gunicorn.wait(timeout=30)


def _wait(url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"nothing answers at {url}"
            time.sleep(0.2)


def _curl(site: Site, path: str, *extra: str) -> tuple[dict[str, str], str]:
    """curl through nginx over TLS (HTTP/2), resolving the site's name to 127.0.0.1: headers and body."""
    url = f"https://{HOST}:{site.https}{path}"
    done = subprocess.run(
        ["curl", "-sk", "--http2", "-D", "-", "--resolve", f"{HOST}:{site.https}:127.0.0.1", *extra, url],
        capture_output=True,
        text=True,
        timeout=30,
    )
    head, _, body = done.stdout.partition("\n\n")  # text mode has turned CRLF into LF
    lines = head.split("\n")
    headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    headers[":status"] = lines[0]
    return headers, body


def test_a_page_is_served_through_nginx_over_tls_and_http2_compressed(served: Site) -> None:
    headers, body = _curl(served, "/healthz")
    assert headers[":status"].startswith("HTTP/2 200") and body == "ok"
    assert len(headers["x-request-id"]) == 32  # nginx's $request_id, passed to the app and kept
    headers, body = _curl(served, "/", "-H", "Accept-Encoding: gzip", "--compressed")
    assert headers[":status"].startswith("HTTP/2 200") and headers["content-encoding"] == "gzip"
    assert "<html" in body
    if BROTLI.exists():
        headers, _ = _curl(served, "/", "-H", "Accept-Encoding: br", "--compressed")
        assert headers["content-encoding"] == "br"
    headers, icon = _curl(served, "/static/favicon.svg")
    assert headers[":status"].startswith("HTTP/2 200") and "<svg" in icon  # from disk, no app
    assert headers["cache-control"] == "max-age=2592000"
    headers, _ = _curl(served, "/metrics")
    assert headers[":status"].startswith("HTTP/2 404")  # never through the public name
    plain = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", f"http://127.0.0.1:{served.http}/x"],
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    assert plain.startswith("301 https://")


def test_scans_and_cached_codes_through_nginx(served: Site) -> None:
    headers, body = _curl(served, f"/01/{served.gtin}?v=1")
    assert headers[":status"].startswith("HTTP/2 200") and "Chè Tân Cương" in body
    # Anonymous scans are micro-cached for a second (a few tries: a busy machine may let one expire);
    # with a cookie they always reach the app.
    later = [_curl(served, f"/01/{served.gtin}?v=1")[0]["x-cache-status"] for _ in range(4)]
    signed, _ = _curl(served, f"/01/{served.gtin}?v=1", "-H", "Cookie: session=x")
    assert headers["x-cache-status"] == "MISS" and "HIT" in later and signed["x-cache-status"] == "BYPASS"
    english, _ = _curl(served, f"/01/{served.gtin}?v=1", "-H", "Accept-Language: en")
    assert english["x-cache-status"] == "MISS" and english["content-language"] == "en"
    path = f"/api/v1/products/{served.product_id}/qr.svg"
    first, svg = _curl(served, path)
    again, _ = _curl(served, path)
    assert first[":status"].startswith("HTTP/2 200") and "<svg" in svg
    assert (first["x-cache-status"], again["x-cache-status"]) == ("MISS", "HIT")
    assert again["cache-control"] == "public, max-age=86400"


def test_every_deploy_file_the_guide_names_exists() -> None:
    guide = (DEPLOY / "README.md").read_text()
    named = set(re.findall(r"/opt/registry/app/(deploy/[\w./-]+\w)", guide))
    named |= {f"deploy/{name}" for name in re.findall(r"`((?:nginx|systemd|postgresql|redis)/[\w.-]+)`", guide)}
    named |= {f"deploy/systemd/{unit}" for unit in re.findall(r"`(registry[\w-]*\.(?:service|timer))`", guide)}
    assert len(named) >= 10, named
    missing = sorted(name for name in named if "*" not in name and not (ROOT / name).exists())
    assert missing == []
