"""Headless Chromium (Debian's package) driven by Playwright, against the real server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from tests.live_server import LiveServer, run_server
from tests.media_helpers import loopback_only
from tests.tools import need_binary

# Test-only flags (../shared/testing.md): no network beyond loopback, fake media devices.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    "--allow-loopback-in-peer-connection",
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    chromium = need_binary("chromium", "/usr/bin/chromium")
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            yield b
        finally:
            await b.close()


@pytest.fixture
async def web_server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    loopback_only()
    async with run_server(
        tmp_path / "data", f"sqlite+aiosqlite:///{tmp_path / 'rc.db'}", host_grace_seconds=30
    ) as srv:
        yield srv
