"""follows, events (scheduled rooms) with co-hosts and RSVPs, notifications, people's time
zones, email addresses and notification choices; jobs carry a payload

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from roomcast.store.tables import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
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
    # plain ADD COLUMNs with literal defaults: no table rebuild on SQLite
    for column in (
        sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC"),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("email_verified_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("email_refused_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("notify_prefs", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("calendar_nonce", sa.String(32), nullable=True),
    ):
        op.add_column("users", column)
    # jobs: episode_id becomes optional (a table copy on SQLite; the table is small)
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch_op.alter_column("episode_id", existing_type=sa.String(24), nullable=True)
        batch_op.create_index("ix_jobs_state_run_after", ["state", "run_after"])
    op.create_table(
        "follows",
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("followee_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _fk("follows", "follower_id", "users", "CASCADE"),
        _fk("follows", "followee_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("follower_id", "followee_id", name=op.f("pk_follows")),
    )
    op.create_index(op.f("ix_follows_followee_id"), "follows", ["followee_id"])
    op.create_table(
        "events",
        sa.Column("id", sa.String(24), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(16), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("visibility", sa.String(8), nullable=False),
        sa.Column("record", sa.Boolean(), nullable=False),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("room_id", sa.String(24), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        _fk("events", "host_id", "users", "CASCADE"),
        _fk("events", "room_id", "rooms", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("room_id", name=op.f("uq_events_room_id")),
    )
    op.create_index(op.f("ix_events_host_id"), "events", ["host_id"])
    op.create_index("ix_events_state_starts_at", "events", ["state", "starts_at"])
    op.create_table(
        "event_cohosts",
        sa.Column("event_id", sa.String(24), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("invited_at", UTCDateTime(timezone=True), nullable=False),
        _fk("event_cohosts", "event_id", "events", "CASCADE"),
        _fk("event_cohosts", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("event_id", "user_id", name=op.f("pk_event_cohosts")),
    )
    op.create_index(op.f("ix_event_cohosts_user_id"), "event_cohosts", ["user_id"])
    op.create_table(
        "rsvps",
        sa.Column("event_id", sa.String(24), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _fk("rsvps", "event_id", "events", "CASCADE"),
        _fk("rsvps", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("event_id", "user_id", name=op.f("pk_rsvps")),
    )
    op.create_index(op.f("ix_rsvps_user_id"), "rsvps", ["user_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("occasion", sa.String(120), nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("url", sa.String(200), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.String(24), nullable=True),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", UTCDateTime(timezone=True), nullable=True),
        _fk("notifications", "user_id", "users", "CASCADE"),
        _fk("notifications", "actor_id", "users", "SET NULL"),
        _fk("notifications", "event_id", "events", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "ix_notifications_user_id_occasion", "notifications", ["user_id", "occasion"], unique=True
    )
    op.create_index("ix_notifications_user_id_id", "notifications", ["user_id", "id"])


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("rsvps")
    op.drop_table("event_cohosts")
    op.drop_table("events")
    op.drop_table("follows")
    op.execute("DELETE FROM jobs WHERE episode_id IS NULL")
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.drop_index("ix_jobs_state_run_after")
        batch_op.alter_column("episode_id", existing_type=sa.String(24), nullable=False)
        batch_op.drop_column("payload")
    with op.batch_alter_table("users") as batch_op:
        for name in (
            "calendar_nonce",
            "notify_prefs",
            "email_refused_at",
            "email_verified_at",
            "email",
            "time_zone",
        ):
            batch_op.drop_column(name)
