"""Engine, sessions and the unit of work. SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from roomcast.errors import Conflict
from roomcast.media.commands import MediaCommand
from roomcast.store.repos import (
    BanRepo,
    ChatRepo,
    ClubRepo,
    DeviceRepo,
    EpisodeRepo,
    EventRepo,
    FollowRepo,
    JobRepo,
    NotificationRepo,
    ParticipantRepo,
    PaymentEventRepo,
    PayoutAccountRepo,
    PollRepo,
    QuestionRepo,
    RemovalRepo,
    ReportRepo,
    RoomRepo,
    SaleRepo,
    SearchRepo,
    SessionRepo,
    ShowRepo,
    TicketRepo,
    TipRepo,
    UserRepo,
)

logger = logging.getLogger(__name__)


class UnitOfWork:
    """One transaction and the repositories that work inside it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.users = UserRepo(session)
        self.sessions = SessionRepo(session)
        self.rooms = RoomRepo(session)
        self.participants = ParticipantRepo(session)
        self.bans = BanRepo(session)
        self.removals = RemovalRepo(session)
        self.devices = DeviceRepo(session)
        self.chat = ChatRepo(session)
        self.questions = QuestionRepo(session)
        self.polls = PollRepo(session)
        self.reports = ReportRepo(session)
        self.shows = ShowRepo(session)
        self.episodes = EpisodeRepo(session)
        self.jobs = JobRepo(session)
        self.follows = FollowRepo(session)
        self.events = EventRepo(session)
        self.notifications = NotificationRepo(session)
        self.clubs = ClubRepo(session)
        self.search = SearchRepo(session)
        self.payout_accounts = PayoutAccountRepo(session)
        self.sales = SaleRepo(session)
        self.tickets = TicketRepo(session)
        self.tips = TipRepo(session)
        self.payment_events = PaymentEventRepo(session)
        self.outbox: list[tuple[str, object]] = []
        self.commands: list[MediaCommand] = []
        self.effects: list[Callable[[], Awaitable[None]]] = []

    def publish(self, channel: str, message: object) -> None:
        """Queue an update; it goes out only if and after this unit of work commits."""
        self.outbox.append((channel, message))

    def command(self, command: MediaCommand) -> None:
        """Queue a media command; it goes to the media plane only after a commit."""
        self.commands.append(command)

    def after_commit(self, effect: Callable[[], Awaitable[None]]) -> None:
        """Queue a side effect (waking the job runner); it runs only after a commit."""
        self.effects.append(effect)


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            path = url.split(":///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """Commit when the block ends normally, roll back when it raises. A write that
        collides with a parallel one (a unique key) is a 409, never a 500."""
        try:
            async with self._sessions() as session, session.begin():
                yield UnitOfWork(session)
        except IntegrityError as e:
            logger.info("unit of work refused by the database: %s", e.orig)
            raise Conflict(
                "That changed at the same moment; reload and try again.", code="conflict"
            ) from e

    async def migrate(self) -> None:
        if not self.is_sqlite:
            async with self.engine.begin() as conn:
                await conn.run_sync(upgrade)
            return
        # SQLite alters some tables by copying them and dropping the old one; with foreign
        # keys on, that drop would cascade into every table that refers to it. Migrate on a
        # connection with them off (a pragma that only works outside a transaction), then
        # check that every reference still holds.
        engine = create_async_engine(self.url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_migration_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(upgrade)
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise RuntimeError(f"migration left broken references: {broken[:5]}")
        finally:
            await engine.dispose()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Transactions are begun by _sqlite_begin, not by the driver's implicit BEGIN (which
    # comes only before the first write, after the reads that decided it).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
    cur.execute("PRAGMA synchronous=FULL")  # a committed write survives a power cut
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_migration_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=OFF")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    """Every unit of work takes SQLite's write lock before its first read, so one that
    reads, decides and writes cannot interleave with another (SQLite has no SELECT ... FOR
    UPDATE), and none is refused with "database is locked" when it comes to write. Units are
    short and one process writes: serialising them costs little on one box."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("roomcast.store") / "migrations"))
    return cfg


def upgrade(connection: Connection, revision: str = "head") -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)
