"""create_app(settings): wires store, bus and actions; one error handler; never a 500 body."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from roomcast import __version__
from roomcast.actions import rooms
from roomcast.actions import stage as stage_actions
from roomcast.actions.context import Context
from roomcast.actions.notice_runner import NoticeRunner
from roomcast.actions.production import JobRunner
from roomcast.bus import Bus, signals_channel
from roomcast.config import Settings
from roomcast.domain import avatars
from roomcast.domain import podcasts as podcast_rules
from roomcast.errors import RoomcastError
from roomcast.media import LocalMediaEngine, configure_ice, rtc_configuration
from roomcast.payments import make_provider
from roomcast.store import Store
from roomcast.web import messages
from roomcast.web.live import Connections
from roomcast.web.live import router as live_router
from roomcast.web.middleware import (
    BodyLimitMiddleware,
    CsrfMiddleware,
    SecurityHeadersMiddleware,
    UnexpectedErrorMiddleware,
)
from roomcast.web.routes import (
    auth,
    clubs,
    events,
    feeds,
    health,
    interaction,
    notifications,
    pages,
    podcasts,
    safety,
    stage,
    users,
)
from roomcast.web.routes import payments as payments_routes
from roomcast.web.routes import rooms as rooms_routes
from roomcast.web.routes import search as search_routes
from roomcast.web.schemas import ErrorOut

logger = logging.getLogger(__name__)

DESCRIPTION = """\
Roomcast's HTTP API. Browsers and integrators use the same endpoints.

**Sessions**: `POST /api/auth/login` sets an HttpOnly `rc_session` cookie.
**CSRF**: every POST/PUT/PATCH/DELETE must carry the `rc_csrf` cookie's value in an
`X-CSRF-Token` header; `GET /api/csrf` issues one, and sign-in/out return a fresh one.
**Errors**: always JSON, `{"error": {"code": "...", "message": "..."}}`, with a 4xx status.
**Live**: `GET /api/rooms/{id}/live` and `/api/hallway/live` are WebSockets that send
`{"type": "snapshot", ...}` then `{"type": "update", "update": {...}}` messages.
"""


async def _sweep(ctx: Context) -> None:
    """Owned by the lifespan: runs timed rules (hosts' grace periods) until cancelled."""
    while True:
        try:
            await stage_actions.end_abandoned(ctx)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("sweep failed; retrying")
        await asyncio.sleep(ctx.settings.sweep_seconds)


def create_app(settings: Settings) -> FastAPI:
    settings = settings.with_secret()
    store = Store(settings.db_url)
    bus = Bus()
    engine = LocalMediaEngine(
        rtc_configuration(
            settings.ice_servers,
            settings.ice_username,
            settings.ice_credential.get_secret_value() if settings.ice_credential else None,
        ),
        bitrate=settings.media_bitrate,
        music_bitrate=settings.music_bitrate,
        max_peers_per_room=settings.media_max_peers,
        connect_timeout=settings.media_connect_timeout,
        levels=lambda room_id, levels: bus.publish(signals_channel(room_id), levels),
    )
    ctx = Context(
        settings=settings, store=store, bus=bus, media=engine, payments=make_provider(settings)
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.media_host_addresses or settings.media_port_range:
            configure_ice(settings.media_host_addresses, settings.media_port_range)
        if settings.auto_migrate:
            await store.migrate()
        await rooms.recover_after_restart(ctx)
        sweeper = asyncio.create_task(_sweep(ctx), name="roomcast-sweep")
        jobs = JobRunner(ctx)
        worker = asyncio.create_task(jobs.run(), name="roomcast-jobs")
        notices = asyncio.create_task(NoticeRunner(ctx).run(), name="roomcast-notices")
        # Everything made so far (modules, the app, the engine) lives as long as the process:
        # keep it out of the collector's full passes, which otherwise scan it all and stall
        # the rooms' 20 ms clocks for a tenth of a second or more (bench/notify.py)
        gc.collect()
        gc.freeze()
        app.state.ready = True
        logger.info("roomcast %s ready at %s", __version__, settings.base_url)
        try:
            yield
        finally:
            app.state.ready = False
            for task in (sweeper, worker, notices):
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            await engine.close()
            if ctx.payments is not None:
                await ctx.payments.close()
            await store.close()

    app = FastAPI(
        title="Roomcast",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by pages.py from vendored Swagger UI, under our CSP
        redoc_url=None,
        responses={
            400: {"model": ErrorOut},
            401: {"model": ErrorOut},
            403: {"model": ErrorOut},
            404: {"model": ErrorOut},
            422: {"model": ErrorOut},
            429: {"model": ErrorOut},
        },
    )
    app.state.ctx = ctx
    app.state.ready = False
    app.state.connections = Connections(settings.max_sockets_per_address)
    web = resources.files("roomcast.web")
    templates = Jinja2Templates(directory=str(web / "templates"))
    templates.env.filters.update(initials=avatars.initials, hue=avatars.hue)
    templates.env.globals.update(duration=podcast_rules.duration_label)
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(web / "static")), name="static")

    for router in (
        health.router,
        auth.router,
        users.router,
        rooms_routes.router,
        stage.router,
        interaction.router,
        safety.router,
        podcasts.router,
        podcasts.files,
        events.router,
        events.files,
        clubs.router,
        clubs.files,
        payments_routes.router,
        feeds.files,
        payments_routes.pages,
        search_routes.router,
        notifications.router,
        notifications.pages,
        live_router,
        pages.router,
    ):
        app.include_router(router)
    _install_error_handlers(app)
    # outermost last: headers on everything, then size limits, then CSRF; innermost, a JSON
    # 500 for whatever the error handlers did not answer
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(CsrfMiddleware, secret=settings.secret)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        uploads={
            "/api/me/show/artwork": settings.max_artwork_bytes,
            "/api/clubs/[^/]+/images/(avatar|cover)": settings.max_artwork_bytes,
        },
    )
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def _error(status: int, code: str, message: str, **data: object) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **data}}, status_code=status)


def _wants_page(request: Request) -> bool:
    """A person's browser asking for a page, not a program asking the API or a file."""
    path = request.url.path
    return (
        request.method in ("GET", "HEAD")
        and not path.startswith(("/api/", "/static/"))
        and "text/html" in request.headers.get("accept", "")
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RoomcastError)
    async def roomcast_error(request: Request, exc: RoomcastError) -> JSONResponse:
        response = JSONResponse({"error": exc.to_dict()}, status_code=exc.http_status)
        if "retry_after" in exc.data:
            response.headers["Retry-After"] = str(exc.data["retry_after"])
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {
                "field": ".".join(str(p) for p in e["loc"] if p != "body"),
                "message": messages.human(e),
                "type": e["type"],
            }
            for e in exc.errors()
        ]
        first = fields[0] if fields else {"field": "", "message": "The request is not valid."}
        if len(fields) > 1:
            message = "Some fields need another look: " + "; ".join(
                f"{messages.label(f['field'])}: {f['message']}" for f in fields
            )
        elif first["field"]:
            message = f"{messages.label(first['field'])}: {first['message']}"
        else:
            message = first["message"]
        return _error(422, "invalid_request", message, fields=fields)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and _wants_page(request):
            return await pages.unknown_page(request)
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            exc.status_code, "http_error"
        )
        return _error(exc.status_code, code, str(exc.detail))
