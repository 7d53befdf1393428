"""Q&A questions with upvotes, and polls with votes

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import roomcast.store.tables

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = roomcast.store.tables.UTCDateTime


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("room_id", sa.String(length=24), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False, server_default=sa.false()),
        _fk("questions", "room_id", "rooms"),
        _fk("questions", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    op.create_index("ix_questions_room_id_id", "questions", ["room_id", "id"])
    op.create_table(
        "question_votes",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("voted_at", UTC(timezone=True), nullable=False),
        _fk("question_votes", "question_id", "questions"),
        _fk("question_votes", "user_id", "users"),
        sa.PrimaryKeyConstraint("question_id", "user_id", name=op.f("pk_question_votes")),
    )
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("room_id", sa.String(length=24), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=200), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false()),
        _fk("polls", "room_id", "rooms"),
        _fk("polls", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
    )
    op.create_index("ix_polls_room_id_id", "polls", ["room_id", "id"])
    op.create_table(
        "poll_votes",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("option", sa.Integer(), nullable=False),
        sa.Column("voted_at", UTC(timezone=True), nullable=False),
        _fk("poll_votes", "poll_id", "polls"),
        _fk("poll_votes", "user_id", "users"),
        sa.PrimaryKeyConstraint("poll_id", "user_id", name=op.f("pk_poll_votes")),
    )


def downgrade() -> None:
    op.drop_table("poll_votes")
    op.drop_index("ix_polls_room_id_id", table_name="polls")
    op.drop_table("polls")
    op.drop_table("question_votes")
    op.drop_index("ix_questions_room_id_id", table_name="questions")
    op.drop_table("questions")
