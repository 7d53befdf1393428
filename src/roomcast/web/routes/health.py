"""Liveness for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from roomcast import __version__
from roomcast.web.deps import context

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="200 once the server is ready and its database answers")
async def healthz(request: Request) -> JSONResponse:
    ctx = context(request)
    if not getattr(request.app.state, "ready", False):
        return JSONResponse({"status": "starting"}, status_code=503)
    try:
        await ctx.store.ping()
    except Exception:
        return JSONResponse({"status": "database unavailable"}, status_code=503)
    return JSONResponse({"status": "ok", "version": __version__})


@router.get(
    "/metrics",
    summary="Counters since start, in the Prometheus text format",
    response_class=PlainTextResponse,
)
async def metrics(request: Request) -> PlainTextResponse:
    ctx = context(request)
    lines = ["# TYPE roomcast_events_total counter"]
    for name, value in sorted(ctx.counters.items()):
        lines.append(f'roomcast_events_total{{event="{name}"}} {value}')
    if ctx.media is not None:  # the rooms' 20 ms clocks: ticks, and those that came late
        lines.append("# TYPE roomcast_media_ticks_total counter")
        for name, value in sorted(ctx.media.clock().items()):
            lines.append(f'roomcast_media_ticks_total{{kind="{name}"}} {value}')
        # speakers' uplinks, over the peers connected now (a gauge: it falls as they leave)
        lines.append("# TYPE roomcast_media_uplink_packets gauge")
        for name, value in sorted(ctx.media.uplinks().items()):
            lines.append(f'roomcast_media_uplink_packets{{kind="{name}"}} {value}')
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")
