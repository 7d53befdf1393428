"""Server CPU per WebRTC listener: one speaker, N listeners, encode-once fan-out.

The server (the media engine with a line-JSON signalling socket) and the clients (aiortc
peers that count RTP packets without decoding them) run in separate processes, pinned to
separate cores with taskset. For each N the server's CPU time is measured over a window.

    .venv/bin/python bench/fanout.py [--counts 50,100,200,300,400] [--window 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo: tests' helpers

from tests.media_helpers import ClientPeer, ToneTrack, loopback_only

from common import ROOT, report
from roomcast.media import LocalMediaEngine, SessionDescription, rtc_configuration


# --- server process -------------------------------------------------------------------------
async def serve(port_file: str) -> None:
    loopback_only()
    engine = LocalMediaEngine(rtc_configuration([], None, None), max_peers_per_room=2000)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            msg = json.loads(line)
            if msg["op"] == "connect":
                answer = await engine.connect(
                    "bench", msg["peer"], SessionDescription(msg["sdp"], "offer"), msg["speaker"]
                )
                out = {"sdp": answer.sdp, "type": answer.type}
            else:  # stats
                ru = resource.getrusage(resource.RUSAGE_SELF)
                stats = engine.stats("bench")
                out = {
                    "cpu": ru.ru_utime + ru.ru_stime,
                    "rss_kb": _rss_kb(),
                    "listener_encodes": stats.listener_encodes if stats else 0,
                    "ticks": stats.ticks if stats else 0,
                    "late_ticks": stats.late_ticks if stats else 0,
                }
            writer.write(json.dumps(out).encode() + b"\n")
            await writer.drain()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    with open(port_file, "w") as f:
        f.write(str(server.sockets[0].getsockname()[1]))
    async with server:
        await server.serve_forever()


def _rss_kb() -> int:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# --- client process -------------------------------------------------------------------------
def count_packets_without_decoding() -> dict[int, int]:
    """Replace the clients' receive path by a counter: client CPU stays off the measurement."""
    from aiortc.rtcrtpreceiver import RTCRtpReceiver

    counts: dict[int, int] = {}

    async def handle(self, packet, arrival_time_ms=None):  # type: ignore[no-untyped-def]
        counts[id(self)] = counts.get(id(self), 0) + 1

    RTCRtpReceiver._handle_rtp_packet = handle  # type: ignore[method-assign]
    return counts


async def run_clients(port: int, counts_wanted: list[int], window: float) -> dict[str, object]:
    loopback_only()
    counts = count_packets_without_decoding()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    async def call(msg: dict[str, object]) -> dict[str, object]:
        writer.write(json.dumps(msg).encode() + b"\n")
        await writer.drain()
        reply: dict[str, object] = json.loads(await reader.readline())
        return reply

    async def add(peer_id: str, speaker: bool) -> ClientPeer:
        peer = ClientPeer(ToneTrack(440) if speaker else None)

        async def connect(offer: SessionDescription) -> SessionDescription:
            r = await call({"op": "connect", "peer": peer_id, "sdp": offer.sdp, "speaker": speaker})
            return SessionDescription(str(r["sdp"]), str(r["type"]))

        await peer.join(connect)
        return peer

    speaker = await add("speaker", True)
    peers: list[ClientPeer] = []
    rows = []
    base = await _window(call, window, counts, peers)  # speaker only: the room's fixed cost
    for n in counts_wanted:
        while len(peers) < n:
            peers.append(await add(f"l{len(peers)}", False))
        async with asyncio.timeout(60):
            while any(p.pc.connectionState != "connected" for p in peers):
                await asyncio.sleep(0.1)
        await asyncio.sleep(2)  # settle
        row = await _window(call, window, counts, peers)
        extra_cpu = row["cpu_per_s"] - base["cpu_per_s"]
        row.update(
            listeners=n,
            us_cpu_per_listener_second=round(1e6 * extra_cpu / n, 1),
            listeners_per_core=round(n / extra_cpu) if extra_cpu > 0 else None,
            mb_per_listener=round((row["rss_kb"] - base["rss_kb"]) / 1024 / n, 3),
        )
        if rows:  # the slope: what one more listener costs, free of the room's fixed costs
            prev = rows[-1]
            slope = (row["cpu_per_s"] - prev["cpu_per_s"]) / (n - prev["listeners"])
            row["marginal_us_cpu_per_listener_second"] = round(1e6 * slope, 1)
        rows.append(row)
        print(f"N={n}: {row}", flush=True)
    await asyncio.gather(speaker.close(), *(p.close() for p in peers))
    writer.close()
    return {"baseline_cpu_per_s": base["cpu_per_s"], "rows": rows}


async def _window(call, window, counts, peers):  # type: ignore[no-untyped-def]
    before = await call({"op": "stats"})
    got0 = {id(p.transceiver.receiver): counts.get(id(p.transceiver.receiver), 0) for p in peers}
    t0 = time.monotonic()
    await asyncio.sleep(window)
    after = await call({"op": "stats"})
    elapsed = time.monotonic() - t0
    rates = sorted((counts.get(k, 0) - v) / elapsed for k, v in got0.items())
    ticks = after["ticks"] - before["ticks"]
    return {
        "cpu_per_s": round((after["cpu"] - before["cpu"]) / elapsed, 4),
        "rss_kb": after["rss_kb"],
        "encodes_per_tick": round(
            (after["listener_encodes"] - before["listener_encodes"]) / max(1, ticks), 3
        ),
        "late_ticks": after["late_ticks"] - before["late_ticks"],
        "frames_per_s_min": round(rates[0], 1) if rates else None,
        "frames_per_s_median": round(rates[len(rates) // 2], 1) if rates else None,
        "listeners_below_49fps": sum(r < 49 for r in rates),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--counts", default="50,100,200,300,400")
    ap.add_argument("--window", type=float, default=10.0)
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
        return
    port_file = f"/tmp/roomcast-fanout-{os.getpid()}"
    pin = ["taskset", "-c", "0"] if os.cpu_count() and os.cpu_count() > 1 else []  # type: ignore[operator]
    server = subprocess.Popen([*pin, sys.executable, __file__, "--serve", port_file], cwd=ROOT)
    try:
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read():
                break
            time.sleep(0.05)
        port = int(open(port_file).read())
        if pin:
            os.sched_setaffinity(0, {1})  # clients on the other core
        counts = [int(x) for x in args.counts.split(",")]
        result = asyncio.run(run_clients(port, counts, args.window))
    finally:
        server.terminate()
        server.wait()
        os.unlink(port_file)
    rows = result["rows"]
    report(
        "fanout",
        {
            "command": "bench/fanout.py --counts " + args.counts + f" --window {args.window}",
            "baseline_server_cpu_per_s": result["baseline_cpu_per_s"],
            "rows": rows,
        },
    )


if __name__ == "__main__":
    main()
