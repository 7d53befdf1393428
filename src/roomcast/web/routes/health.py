"""Liveness for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

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
