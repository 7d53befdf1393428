"""The `roomcast` command as an operator runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "ROOMCAST_DATA_DIR": str(data), "ROOMCAST_DEV": "1", **env}
    full_env.pop("ROOMCAST_SECRET_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "roomcast", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_migrate_admin_create_and_list(tmp_path: Path) -> None:
    data = tmp_path / "data"
    r = run(data, "migrate")
    assert r.returncode == 0, r.stderr
    assert (data / "roomcast.db").exists() and (data / "secret_key").exists()

    r = run(
        data,
        "admin",
        "create",
        "root_admin",
        "--password-env",
        "ADMIN_PW",
        ADMIN_PW="a strong password",
    )
    assert r.returncode == 0, r.stderr
    assert "root_admin is an admin" in r.stdout

    r = run(
        data, "admin", "create", "x", "--password-env", "ADMIN_PW", ADMIN_PW="a strong password"
    )
    assert r.returncode == 2 and "username" in r.stderr  # too short: refused, nothing stored
    r = run(data, "admin", "create", "ghost")
    assert r.returncode == 1 and "No such user" in r.stderr

    r = run(data, "admin", "list")
    assert r.returncode == 0
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].split()[:2] == ["root_admin", "admin"]

    # the search index, rebuilt from what is stored: the admin is a person to be found
    r = run(data, "reindex")
    assert r.returncode == 0, r.stderr
    assert "search index rebuilt: 1 documents" in r.stdout


def test_missing_secret_outside_dev_is_a_clear_startup_error(tmp_path: Path) -> None:
    r = run(tmp_path, "serve", "--port", "0", ROOMCAST_DEV="0")
    assert r.returncode == 2
    assert "ROOMCAST_SECRET_KEY is not set" in r.stderr
    assert "Traceback" not in r.stderr


def test_the_local_payment_provider_is_refused_outside_dev_mode(tmp_path: Path) -> None:
    secret = "a-secret-that-must-never-be-printed-0123456789"
    r = run(
        tmp_path,
        "serve",
        "--port",
        "0",
        ROOMCAST_DEV="0",
        ROOMCAST_STRIPE_SECRET_KEY=secret,
        ROOMCAST_PAYMENTS="local",
    )
    assert r.returncode == 2
    assert "refused outside dev mode" in r.stderr
    assert secret[:8] not in r.stderr and "Traceback" not in r.stderr
