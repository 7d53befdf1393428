"""What the media engine offers in ICE: host addresses, a UDP port range, STUN/TURN servers.

aioice has no settings for the first two, so they are applied to it here, once per process,
in two small documented patches (checked against the pinned aioice 0.13.0 by
tests/integration/media/test_ice_settings.py):
- ``aioice.ice.get_host_addresses`` returns the configured addresses;
- the ``asyncio`` that aioice.ice uses hands out a loop whose ``create_datagram_endpoint``
  binds host candidates to a free port of the range instead of port 0.
"""

from __future__ import annotations

import asyncio
import random
import types
from collections.abc import Callable, Sequence
from typing import Any

import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer

_ORIGINAL_GET_HOST_ADDRESSES = aioice.ice.get_host_addresses


def rtc_configuration(
    ice_servers: Sequence[str], username: str | None, credential: str | None
) -> RTCConfiguration:
    """Never None: aiortc would then use Google's public STUN server."""
    servers = [
        RTCIceServer(urls=url, username=username, credential=credential) for url in ice_servers
    ]
    return RTCConfiguration(iceServers=servers)


class _PortRangeLoop:
    def __init__(self, loop: asyncio.AbstractEventLoop, ports: range) -> None:
        self._loop, self._ports = loop, ports

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loop, name)

    async def create_datagram_endpoint(
        self, factory: Callable[[], Any], local_addr: Any = None, **kw: Any
    ) -> Any:
        if local_addr is None or local_addr[1] != 0:
            return await self._loop.create_datagram_endpoint(factory, local_addr=local_addr, **kw)
        ports = list(self._ports)
        random.shuffle(ports)
        for port in ports:
            try:
                return await self._loop.create_datagram_endpoint(
                    factory, local_addr=(local_addr[0], port), **kw
                )
            except OSError:
                continue
        raise OSError(f"no free UDP port in {self._ports.start}-{self._ports.stop - 1}")


def configure(addresses: Sequence[str] | None, ports: range | None) -> None:
    """Apply (or undo, with None) the host address list and the port range, process-wide."""
    assert hasattr(aioice.ice, "get_host_addresses"), "aioice changed: re-check media/ice.py"
    if addresses:
        chosen = list(addresses)
        aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [
            a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)
        ]
    else:
        aioice.ice.get_host_addresses = _ORIGINAL_GET_HOST_ADDRESSES
    if ports is not None:
        shim = types.ModuleType("asyncio_port_range")
        shim.__dict__.update(vars(asyncio))
        shim.get_running_loop = lambda: _PortRangeLoop(asyncio.get_running_loop(), ports)  # type: ignore[attr-defined]
        aioice.ice.asyncio = shim  # type: ignore[attr-defined]
    else:
        aioice.ice.asyncio = asyncio  # type: ignore[attr-defined]
