"""the stage: room settings, hands, invitations, moderator mutes, room bans

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import roomcast.store.tables

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rooms") as batch_op:
        batch_op.add_column(
            sa.Column("hand_raising", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column(
                "speakers_join_muted", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(
            sa.Column("chat", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("participants") as batch_op:
        batch_op.add_column(
            sa.Column("muted_by_moderator", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "hand_raised_at", roomcast.store.tables.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("invited", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "room_bans",
        sa.Column("room_id", sa.String(length=24), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("banned_by", sa.Integer(), nullable=True),
        sa.Column("banned_at", roomcast.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_room_bans_room_id_rooms"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_room_bans_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["banned_by"],
            ["users.id"],
            name=op.f("fk_room_bans_banned_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("room_id", "user_id", name=op.f("pk_room_bans")),
    )


def downgrade() -> None:
    op.drop_table("room_bans")
    with op.batch_alter_table("participants") as batch_op:
        batch_op.drop_column("invited")
        batch_op.drop_column("hand_raised_at")
        batch_op.drop_column("muted_by_moderator")
    with op.batch_alter_table("rooms") as batch_op:
        batch_op.drop_column("chat")
        batch_op.drop_column("speakers_join_muted")
        batch_op.drop_column("hand_raising")
