"""The media engine in this process, as the server runs it, kept on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from roomcast.media import LocalMediaEngine, rtc_configuration
from tests.media_helpers import loopback_only


@pytest.fixture
async def engine() -> AsyncIterator[LocalMediaEngine]:
    loopback_only()
    eng = LocalMediaEngine(rtc_configuration([], None, None), max_peers_per_room=50)
    yield eng
    await eng.close()
