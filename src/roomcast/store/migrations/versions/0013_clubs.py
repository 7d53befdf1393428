"""clubs with members, join requests, bans and follows; club rooms, events and episodes;
private feed keys; people's topics of interest

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from roomcast.store.tables import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, ondelete: str | None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def _member_table(name: str, *columns: sa.Column[object], banned_by: bool = False) -> None:
    """A (club, person) table: members, requests, bans."""
    extra = [_fk(name, "banned_by", "users", "SET NULL")] if banned_by else []
    op.create_table(
        name,
        sa.Column("club_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        *columns,
        _fk(name, "club_id", "clubs", "CASCADE"),
        _fk(name, "user_id", "users", "CASCADE"),
        *extra,
        sa.PrimaryKeyConstraint("club_id", "user_id", name=op.f(f"pk_{name}")),
    )
    op.create_index(op.f(f"ix_{name}_user_id"), name, ["user_id"])


def upgrade() -> None:
    op.add_column("users", sa.Column("topics", sa.Text(), nullable=False, server_default="[]"))
    op.create_table(
        "clubs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("handle", sa.String(24), nullable=False),
        sa.Column("handle_key", sa.String(96), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(16), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("join_policy", sa.String(10), nullable=False),
        sa.Column("hosting", sa.String(12), nullable=False),
        sa.Column("avatar", sa.String(80), nullable=True),
        sa.Column("cover", sa.String(80), nullable=True),
        sa.Column("invite_nonce", sa.String(32), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", UTCDateTime(timezone=True), nullable=True),
        _fk("clubs", "created_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clubs")),
        sa.UniqueConstraint("handle", name=op.f("uq_clubs_handle")),
        sa.UniqueConstraint("handle_key", name=op.f("uq_clubs_handle_key")),
    )
    _member_table(
        "club_members",
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("joined_at", UTCDateTime(timezone=True), nullable=False),
    )
    _member_table(
        "club_requests", sa.Column("created_at", UTCDateTime(timezone=True), nullable=False)
    )
    _member_table(
        "club_bans",
        sa.Column("banned_by", sa.Integer(), nullable=True),
        sa.Column("banned_at", UTCDateTime(timezone=True), nullable=False),
        banned_by=True,
    )
    op.create_table(
        "club_follows",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("club_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _fk("club_follows", "user_id", "users", "CASCADE"),
        _fk("club_follows", "club_id", "clubs", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "club_id", name=op.f("pk_club_follows")),
    )
    op.create_index(op.f("ix_club_follows_club_id"), "club_follows", ["club_id"])
    op.create_table(
        "feed_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("club_id", sa.Integer(), nullable=True),
        sa.Column("nonce", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        _fk("feed_keys", "user_id", "users", "CASCADE"),
        _fk("feed_keys", "club_id", "clubs", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_keys")),
    )
    op.create_index(op.f("ix_feed_keys_club_id"), "feed_keys", ["club_id"])
    op.create_index(
        "ix_feed_keys_user_id_club_id", "feed_keys", ["user_id", "club_id"], unique=True
    )
    # club_id on rooms, events and episodes: a reference, so a table copy on SQLite
    for table in ("rooms", "events", "episodes"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("club_id", sa.Integer(), nullable=True))
            if table == "episodes":
                batch_op.add_column(
                    sa.Column(
                        "members_only", sa.Boolean(), nullable=False, server_default=sa.false()
                    )
                )
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_club_id_clubs"), "clubs", ["club_id"], ["id"]
            )
            batch_op.create_index(op.f(f"ix_{table}_club_id"), ["club_id"])


def downgrade() -> None:
    for table in ("episodes", "events", "rooms"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(op.f(f"ix_{table}_club_id"))
            batch_op.drop_constraint(op.f(f"fk_{table}_club_id_clubs"), type_="foreignkey")
            batch_op.drop_column("club_id")
            if table == "episodes":
                batch_op.drop_column("members_only")
    for name in ("feed_keys", "club_follows", "club_bans", "club_requests", "club_members"):
        op.drop_table(name)
    op.drop_table("clubs")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("topics")
