"""What the engine offers in ICE follows the settings (addresses, UDP port range, servers)."""

from __future__ import annotations

import re

from roomcast.media import LocalMediaEngine, configure_ice, rtc_configuration
from tests.media_helpers import ClientPeer, loopback_only

CANDIDATE = re.compile(r"^a=candidate:\S+ \d+ udp \d+ (\S+) (\d+) typ host", re.M | re.I)


async def test_answer_offers_only_configured_addresses_and_ports() -> None:
    loopback_only()
    configure_ice(["127.0.0.1"], range(47100, 47110))
    engine = LocalMediaEngine(rtc_configuration([], None, None))
    client = ClientPeer()
    try:
        answers = []

        async def connect(offer):  # type: ignore[no-untyped-def]
            answers.append(await engine.connect("r", "p", offer, False))
            return answers[-1]

        await client.join(connect)
        found = CANDIDATE.findall(answers[0].sdp)
        assert found, answers[0].sdp
        for address, port in found:
            assert address == "127.0.0.1"
            assert 47100 <= int(port) < 47110
    finally:
        await client.close()
        await engine.close()
        configure_ice(["127.0.0.1"], None)


def test_no_ice_servers_means_none_not_googles() -> None:
    assert rtc_configuration([], None, None).iceServers == []
    config = rtc_configuration(["stun:stun.example.org:3478", "turn:turn.example.org"], "u", "p")
    assert [s.urls for s in config.iceServers] == [
        "stun:stun.example.org:3478",
        "turn:turn.example.org",
    ]
    assert config.iceServers[1].username == "u" and config.iceServers[1].credential == "p"
