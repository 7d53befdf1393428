"""A throwaway PostgreSQL server from the local binaries, for the tests (initdb in a temp dir)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_owner(cmd: list[str], user: str | None) -> list[str]:
    # initdb and postgres refuse to run as root
    return ["runuser", "-u", user, "--", *cmd] if user else cmd


@contextmanager
def temporary_postgres(bindir: Path) -> Iterator[str]:
    """Start a server on 127.0.0.1:<free port>; yield its admin URL (asyncpg); stop it after."""
    user = None
    if os.geteuid() == 0:
        user = "postgres" if _user_exists("postgres") else "nobody"
    root = Path(tempfile.mkdtemp(prefix="roomcast-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if user:
        entry = pwd.getpwnam(user)
        for p in (root, sockets):
            os.chown(p, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    try:
        subprocess.run(
            _as_owner(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
                user,
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        opts = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -F -c max_connections=200"
        subprocess.run(
            _as_owner(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    opts,
                    "-w",
                    "-t",
                    "60",
                    "-l",
                    str(root / "log"),
                    "start",
                ],
                user,
            ),
            check=True,
            capture_output=True,
            timeout=90,
        )
        try:
            yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                _as_owner(
                    [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], user
                ),
                capture_output=True,
                timeout=60,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
