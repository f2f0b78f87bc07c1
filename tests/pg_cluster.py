"""A throwaway PostgreSQL cluster in a temporary directory, run as the `postgres` user on a free port.

For tests that must stop and start the database itself (outages, replicas). Everything needed is
Debian's own PostgreSQL packages; `skip_reason()` says why such a cluster cannot be made here.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "postgres"


def _bin_dir() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def skip_reason() -> str | None:
    """None when a cluster can be made; else the reason, for pytest.skip."""
    if _bin_dir() is None:
        return "no PostgreSQL server binaries (initdb): install Debian's postgresql package"
    try:
        pwd.getpwnam(USER)
    except KeyError:
        return f"no {USER!r} user to run a throwaway PostgreSQL cluster as"
    if os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != USER:
        return f"a throwaway PostgreSQL cluster runs as {USER!r}: run the tests as root or as {USER}"
    if shutil.which("runuser") is None and os.geteuid() == 0:
        return "runuser (util-linux) is needed to start PostgreSQL as the postgres user"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """initdb in a fresh temporary directory; `start`/`stop` with pg_ctl; `url` for SQLAlchemy."""

    def __init__(self) -> None:
        bin_dir = _bin_dir()
        assert bin_dir is not None, skip_reason()
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="registry-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        entry = pwd.getpwnam(USER)
        os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", USER, "--no-sync", "-E", "UTF8")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", USER, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120, cwd=self.root)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
