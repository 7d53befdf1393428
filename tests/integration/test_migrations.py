"""Migrations on SQLite and PostgreSQL: the schema they build is the one the code maps, and
data from before a migration comes through it."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

from roomcast.store import Store
from roomcast.store.db import upgrade
from roomcast.store.tables import Base

T = datetime(2026, 11, 30, tzinfo=UTC)


def _engine_own(obj: object, name: str | None, type_: str, reflected: bool, _: object) -> bool:
    """The search index's engine-specific parts, which the ORM does not map (see
    tables.SearchDocRow): FTS5 tables on SQLite, the tsvector column and its GIN index on
    PostgreSQL. Everything else is compared."""
    if type_ == "table" and name and name.startswith("search_fts"):
        return False
    own = ("tsv", "ix_search_docs_tsv", "ix_search_docs_said_tsv")
    return not (type_ in ("column", "index") and name in own)


def _diff(conn: Connection) -> list[object]:
    context = MigrationContext.configure(conn, opts={"include_object": _engine_own})
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_build_the_mapped_schema(empty_database_url: str) -> None:
    store = Store(empty_database_url)
    try:
        await store.migrate()
        async with store.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await store.close()


async def test_room_bans_become_host_bans_and_removals(empty_database_url: str) -> None:
    store = Store(empty_database_url)
    try:
        async with store.engine.begin() as conn:
            await conn.run_sync(upgrade, "0009")
            for uid, name in ((1, "host"), (2, "eve"), (3, "mod")):
                await conn.execute(
                    text(
                        "INSERT INTO users (id, username, display_name, bio, password_hash, "
                        "is_admin, created_at) VALUES (:id, :n, :n, '', 'x', false, :t)"
                    ),
                    {"id": uid, "n": name, "t": T},
                )
            for room in ("r1", "r2"):  # ended rooms with chat and an episode
                await conn.execute(
                    text(
                        "INSERT INTO rooms (id, host_id, title, description, topic, language, "
                        "visibility, state, created_at) "
                        "VALUES (:r, 1, 'T', '', 'tech', 'en', 'open', 'ended', :t)"
                    ),
                    {"r": room, "t": T},
                )
                await conn.execute(
                    text(
                        "INSERT INTO room_bans (room_id, user_id, banned_by, banned_at) "
                        "VALUES (:r, 2, 3, :t)"
                    ),
                    {"r": room, "t": T},
                )
                await conn.execute(
                    text(
                        "INSERT INTO chat_messages (room_id, user_id, text, created_at) "
                        "VALUES (:r, 1, 'kept', :t)"
                    ),
                    {"r": room, "t": T},
                )
            await conn.execute(
                text(
                    "INSERT INTO episodes (id, room_id, user_id, title, notes, language, status, "
                    "created_at, updated_at, transcript, speakers) VALUES "
                    "('e1', 'r1', 1, 'T', '', 'en', 'published', :t, :t, 'ready', '[]')"
                ),
                {"t": T},
            )
        await store.migrate()
        async with store.engine.connect() as conn:
            bans = (await conn.execute(text("SELECT host_id, user_id FROM host_bans"))).all()
            assert [tuple(b) for b in bans] == [(1, 2)]  # one ban by that host, not two
            removals = (
                await conn.execute(text("SELECT room_id, key FROM room_removals ORDER BY room_id"))
            ).all()
            assert [tuple(r) for r in removals] == [("r1", "u2"), ("r2", "u2")]
            guests = (await conn.execute(text("SELECT guests FROM rooms"))).scalars().all()
            assert guests == [True, True]  # rooms of before stay open to guests
            kept = await conn.execute(text("SELECT count(*) FROM chat_messages"))
            assert kept.scalar() == 2  # nothing that refers to a room is lost
            assert (await conn.execute(text("SELECT id FROM episodes"))).scalars().all() == ["e1"]
    finally:
        await store.close()
