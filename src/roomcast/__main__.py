"""The `roomcast` command: serve, migrate, admin. The only place that reads argv."""

from __future__ import annotations

import asyncio
import getpass
import os
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError

from roomcast.actions.context import Context
from roomcast.config import ConfigError, Settings

T = TypeVar("T")

app = typer.Typer(help="Roomcast: live audio rooms that become podcasts.", no_args_is_help=True)
admin = typer.Typer(help="Administer accounts.", no_args_is_help=True)
app.add_typer(admin, name="admin")


def _settings(**overrides: object) -> Settings:
    try:
        base = Settings()
        settings = base.model_copy(update={k: v for k, v in overrides.items() if v is not None})
        return settings.with_secret()
    except ConfigError as e:
        typer.secho(f"configuration error: {e}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from e
    except ValidationError as e:  # each problem, never the values given (secrets among them)
        for err in e.errors(include_input=False, include_url=False):
            where = ".".join(str(part) for part in err["loc"]) or "settings"
            typer.secho(
                f"configuration error: {where}: {err['msg']}", fg=typer.colors.RED, err=True
            )
        raise typer.Exit(2) from e


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (ROOMCAST_HOST)")] = None,
    port: Annotated[
        int | None, typer.Option(help="Port; 0 picks a free one (ROOMCAST_PORT)")
    ] = None,
    dev: Annotated[bool | None, typer.Option("--dev/--no-dev", help="Development mode")] = None,
) -> None:
    """Run the server."""
    import uvicorn

    from roomcast.log import configure
    from roomcast.web.app import create_app

    settings = _settings(host=host, port=port, dev=dev)
    configure(settings.log_level, settings.log_format)
    sockets = None
    if settings.port == 0:  # bind first: links the server hands out need the real port
        family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
        # IPPROTO_TCP said, as uvicorn's own binding does: asyncio sets TCP_NODELAY only on
        # connections of such a socket. Without it, a response written in two parts (headers,
        # then body) waits for the client's delayed ACK: 40 ms on every request
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((settings.host, 0))
        settings = settings.model_copy(update={"port": sock.getsockname()[1]})
        sockets = [sock]
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        ws_max_size=64 * 1024,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)

    async def serve_and_announce() -> None:
        task = asyncio.create_task(server.serve(sockets=sockets))
        while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn has no event
            await asyncio.sleep(0.05)
        if server.started:
            sock = server.servers[0].sockets[0].getsockname()
            # tests and scripts read this line to find the port
            print(f"LISTENING http://{sock[0]}:{sock[1]}", flush=True)
        await task

    asyncio.run(serve_and_announce())
    if not server.started:
        sys.exit(1)


@app.command()
def migrate() -> None:
    """Apply database migrations (serve also does this unless ROOMCAST_AUTO_MIGRATE=false)."""
    from roomcast.store import Store

    settings = _settings()

    async def run() -> None:
        store = Store(settings.db_url)
        try:
            await store.migrate()
        finally:
            await store.close()

    asyncio.run(run())
    typer.echo("database is up to date")


def _with_context(fn: Callable[[Context], Awaitable[T]]) -> T:
    """Run fn(ctx) on a migrated store, outside the server."""
    from roomcast.bus import Bus
    from roomcast.store import Store

    settings = _settings()

    async def run() -> T:
        store = Store(settings.db_url)
        try:
            await store.migrate()
            return await fn(Context(settings=settings, store=store, bus=Bus()))
        finally:
            await store.close()

    return asyncio.run(run())


@app.command()
def reindex() -> None:
    """Rebuild the search index from what is stored: people, clubs, live rooms, events,
    episodes and their transcripts (after restoring a backup, or for data from before
    search: transcripts made before it are found only after this)."""
    from roomcast.actions import search

    count = _with_context(search.reindex)
    typer.echo(f"search index rebuilt: {count} documents")


@admin.command("create")
def admin_create(
    username: str,
    password_env: Annotated[
        str | None, typer.Option(help="Read the password from this environment variable")
    ] = None,
) -> None:
    """Make USERNAME an admin, creating the account if it does not exist."""
    from roomcast.actions import accounts
    from roomcast.errors import RoomcastError
    from roomcast.web.schemas import SignupIn

    password = os.environ.get(password_env) if password_env else None
    if password is None and sys.stdin.isatty():
        password = getpass.getpass("Password (for a new account; Enter to only promote): ") or None
    try:
        if password is not None:
            SignupIn(username=username, password=password)
        user = _with_context(lambda ctx: accounts.make_admin(ctx, username, password))
    except ValidationError as e:
        typer.secho(
            f"invalid: {e.errors()[0]['loc'][0]}: {e.errors()[0]['msg']}",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(2) from e
    except RoomcastError as e:
        typer.secho(e.message, err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from e
    typer.echo(f"{user.username} is an admin")


@admin.command("list")
def admin_list() -> None:
    """List accounts: username, display name, admin flag, created."""
    from roomcast.actions import accounts

    users = _with_context(accounts.all_users)
    for u in users:
        flag = "admin" if u.is_admin else "-"
        typer.echo(f"{u.username:<20} {flag:<6} {u.created_at:%Y-%m-%d}  {u.display_name}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
