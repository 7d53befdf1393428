"""Shared fixtures: databases (SQLite file, PostgreSQL from local binaries) and the live server."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.live_server import LiveServer, run_server
from tests.postgres import temporary_postgres
from tests.tools import missing, postgres_bindir


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """ROOMCAST_TEST_DATABASE_URL if given, else a PostgreSQL started for this test run."""
    given = os.environ.get("ROOMCAST_TEST_DATABASE_URL")
    if given:
        yield given
        return
    bindir = postgres_bindir()
    if bindir is None:
        missing("PostgreSQL (initdb)")
    assert bindir is not None
    with temporary_postgres(bindir) as url:
        yield url


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'roomcast.db'}"
        return
    admin = request.getfixturevalue("postgres_admin_url")
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_asyncpg_dsn(admin))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    yield admin.rsplit("/", 1)[0] + "/" + name
    conn = await asyncpg.connect(_asyncpg_dsn(admin))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def server(
    request: pytest.FixtureRequest, tmp_path: Path, database_url: str
) -> AsyncIterator[LiveServer]:
    """The real server on a fresh database. `@pytest.mark.grace(seconds)` shortens the host's
    grace period for tests of it; others get 60 s, as in production."""
    marker = request.node.get_closest_marker("grace")
    async with run_server(
        tmp_path / "data",
        database_url,
        host_grace_seconds=float(marker.args[0]) if marker else 60.0,
        sweep_seconds=0.1,
        login_burst=5,
        login_refill_seconds=60,
    ) as srv:
        yield srv
