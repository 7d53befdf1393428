"""removals that last the room, bans by host (accounts and guests), devices, rooms.guests

Room bans become host bans (a ban now keeps someone out of every room of that host), and
each becomes a removal from the room it was made in.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from roomcast.store.tables import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    with op.batch_alter_table("rooms") as batch_op:  # a literal default: no table copy
        batch_op.add_column(sa.Column("guests", sa.Boolean(), nullable=False, server_default="1"))
    with op.batch_alter_table("participants") as batch_op:
        batch_op.add_column(sa.Column("device", sa.String(32), nullable=True))
    op.create_table(
        "room_removals",
        sa.Column("room_id", sa.String(24), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("device", sa.String(32), nullable=True),
        sa.Column("removed_by", sa.Integer(), nullable=True),
        sa.Column("removed_at", UTCDateTime(timezone=True), nullable=False),
        _fk("room_removals", "room_id", "rooms", "CASCADE"),
        _fk("room_removals", "user_id", "users", "CASCADE"),
        _fk("room_removals", "removed_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("room_id", "key", name=op.f("pk_room_removals")),
    )
    op.create_table(
        "host_bans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("device", sa.String(32), nullable=True),
        sa.Column("room_id", sa.String(24), nullable=True),
        sa.Column("banned_by", sa.Integer(), nullable=True),
        sa.Column("banned_at", UTCDateTime(timezone=True), nullable=False),
        _fk("host_bans", "host_id", "users", "CASCADE"),
        _fk("host_bans", "user_id", "users", "CASCADE"),
        _fk("host_bans", "room_id", "rooms", "SET NULL"),
        _fk("host_bans", "banned_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host_bans")),
    )
    op.create_index("ix_host_bans_host_user", "host_bans", ["host_id", "user_id"], unique=True)
    op.create_index("ix_host_bans_host_device", "host_bans", ["host_id", "device"], unique=True)
    op.create_table(
        "user_devices",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(32), nullable=False),
        sa.Column("seen_at", UTCDateTime(timezone=True), nullable=False),
        _fk("user_devices", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "device", name=op.f("pk_user_devices")),
    )
    op.create_index(op.f("ix_user_devices_device"), "user_devices", ["device"])
    # a room ban of before: a ban by that room's host, and a removal from that room
    op.execute(
        "INSERT INTO host_bans (host_id, user_id, room_id, banned_by, banned_at) "
        "SELECT r.host_id, b.user_id, MIN(b.room_id), MIN(b.banned_by), MIN(b.banned_at) "
        "FROM room_bans b JOIN rooms r ON r.id = b.room_id GROUP BY r.host_id, b.user_id"
    )
    op.execute(
        "INSERT INTO room_removals (room_id, key, user_id, removed_by, removed_at) "
        "SELECT room_id, 'u' || CAST(user_id AS VARCHAR(12)), user_id, banned_by, banned_at "
        "FROM room_bans"
    )
    op.drop_table("room_bans")


def downgrade() -> None:
    op.create_table(
        "room_bans",
        sa.Column("room_id", sa.String(24), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("banned_by", sa.Integer(), nullable=True),
        sa.Column("banned_at", UTCDateTime(timezone=True), nullable=False),
        _fk("room_bans", "room_id", "rooms", "CASCADE"),
        _fk("room_bans", "user_id", "users", "CASCADE"),
        _fk("room_bans", "banned_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("room_id", "user_id", name=op.f("pk_room_bans")),
    )
    op.execute(
        "INSERT INTO room_bans (room_id, user_id, banned_by, banned_at) "
        "SELECT room_id, user_id, banned_by, banned_at FROM host_bans "
        "WHERE room_id IS NOT NULL AND user_id IS NOT NULL"
    )
    op.drop_index(op.f("ix_user_devices_device"), table_name="user_devices")
    op.drop_table("user_devices")
    op.drop_index("ix_host_bans_host_device", table_name="host_bans")
    op.drop_index("ix_host_bans_host_user", table_name="host_bans")
    op.drop_table("host_bans")
    op.drop_table("room_removals")
    with op.batch_alter_table("participants") as batch_op:
        batch_op.drop_column("device")
    with op.batch_alter_table("rooms") as batch_op:
        batch_op.drop_column("guests")
