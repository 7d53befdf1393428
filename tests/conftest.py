"""Shared fixtures: databases (SQLite file, PostgreSQL from local binaries) and the live server."""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from roomcast.store import Store
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


def _on_a_thread(work: Coroutine[Any, Any, None]) -> None:
    """Run `work` to its end on a loop of its own (a test's loop may be running here)."""
    thread = threading.Thread(target=asyncio.run, args=(work,))
    thread.start()
    thread.join()


def _migrate(url: str) -> None:
    async def run() -> None:
        store = Store(url)
        try:
            await store.migrate()
        finally:
            await store.close()

    _on_a_thread(run())


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite database migrated to head: each test gets a copy (migrating one costs
    half a second; copying it, a millisecond)."""
    path = tmp_path_factory.mktemp("template") / "roomcast.db"
    _migrate(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_template(postgres_admin_url: str) -> str:
    """One PostgreSQL database migrated to head, the template of each test's database."""
    name = f"t_template_{uuid.uuid4().hex[:8]}"
    _on_a_thread(_execute(postgres_admin_url, f'CREATE DATABASE "{name}"'))
    _migrate(postgres_admin_url.rsplit("/", 1)[0] + "/" + name)
    return name


async def _execute(admin: str, sql: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(admin))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _fresh_database(
    request: pytest.FixtureRequest, tmp_path: Path, migrated: bool
) -> AsyncIterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "roomcast.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    admin = request.getfixturevalue("postgres_admin_url")
    name = f"t_{uuid.uuid4().hex[:12]}"
    template = f' TEMPLATE "{request.getfixturevalue("_postgres_template")}"' if migrated else ""
    await _execute(admin, f'CREATE DATABASE "{name}"{template}')
    yield admin.rsplit("/", 1)[0] + "/" + name
    await _execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database of each kind, migrated to head and empty of rows."""
    async for url in _fresh_database(request, tmp_path, migrated=True):
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database of each kind with no tables at all (for migrations' own tests)."""
    async for url in _fresh_database(request, tmp_path, migrated=False):
        yield url


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


# What must run one test at a time (scripts/test runs them after the rest, which goes two at
# a time): 20 ms audio clocks, browsers with fake microphones, killed processes and
# benchmarks, which CPU contention would make slow or flaky. Decided from where a test lives
# and what it uses, so a new test of that kind is heavy without anyone remembering to say so.
HEAVY_FILES = ("test_stage_audio.py", "test_crash.py", "test_bench_smoke.py", "test_email.py")
HEAVY_DIRS = ("/browser/", "/integration/media/", "/podcasts/")  # not tests/unit/media
HEAVY_NAMES = (
    "ClientPeer",
    "speak_in",
    "record_tone",
    "record_all",
    "tone_power",
    "server_process",
    "speaking_pair",
)


def _is_heavy(item: pytest.Item) -> bool:
    path = str(item.path)
    if path.endswith(HEAVY_FILES) or any(d in path for d in HEAVY_DIRS):
        return True
    fn = getattr(item, "function", None)
    try:
        source = inspect.getsource(fn) if fn is not None else ""
    except (OSError, TypeError):
        return False
    return any(name in source for name in HEAVY_NAMES)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _is_heavy(item):
            item.add_marker(pytest.mark.heavy)
