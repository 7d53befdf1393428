"""SQL helpers shared by the repositories: inserts that cannot race."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert(session: AsyncSession, table: type[object]) -> postgresql.Insert | sqlite.Insert:
    """INSERT with this database's ON CONFLICT clause available (SQLite or PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def insert_new(session: AsyncSession, table: type[object], **values: object) -> bool:
    """Insert a row unless its key exists already (as one statement, so parallel copies of
    one request cannot both pass a check and then collide). True when it was inserted."""
    stmt = insert(session, table).values(**values).on_conflict_do_nothing()
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]
