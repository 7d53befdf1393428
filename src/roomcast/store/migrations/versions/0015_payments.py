"""payments: creators' payout accounts, ticket sales, tickets, comp codes, tips, the
provider's webhook events handled; ticketed rooms, paid replays and buyers' feed keys

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from roomcast.store.tables import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, ondelete: str | None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def _payment_columns() -> list[sa.Column[object]]:
    """What a ticket and a tip both keep of their payment."""
    return [
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("fee", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("checkout_id", sa.String(255), nullable=True),
        sa.Column("payment_id", sa.String(255), nullable=True),
        sa.Column("account", sa.String(64), nullable=True),
        _at("created_at"),
        _at("paid_at", nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "payout_accounts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("charges_enabled", sa.Boolean(), nullable=False),
        sa.Column("payouts_enabled", sa.Boolean(), nullable=False),
        sa.Column("details_submitted", sa.Boolean(), nullable=False),
        sa.Column("requirements_due", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status_at", sa.Integer(), nullable=False),
        _at("created_at"),
        _fk("payout_accounts", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_payout_accounts")),
        sa.UniqueConstraint("account", name=op.f("uq_payout_accounts_account")),
    )
    op.create_table(
        "sales",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(24), nullable=True),
        sa.Column("room_id", sa.String(24), nullable=True),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("window", sa.String(8), nullable=False),
        _at("created_at"),
        _at("cancelled_at", nullable=True),
        _fk("sales", "host_id", "users", None),
        _fk("sales", "event_id", "events", "CASCADE"),
        _fk("sales", "room_id", "rooms", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales")),
        sa.UniqueConstraint("event_id", name=op.f("uq_sales_event_id")),
        sa.UniqueConstraint("room_id", name=op.f("uq_sales_room_id")),
    )
    op.create_index(op.f("ix_sales_host_id"), "sales", ["host_id"])
    ticket = _payment_columns()
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        *ticket,
        _at("held_until", nullable=True),
        _at("refunded_at", nullable=True),
        sa.Column("feed_revoked", sa.Boolean(), nullable=False),
        _fk("tickets", "sale_id", "sales", "CASCADE"),
        _fk("tickets", "user_id", "users", None),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("checkout_id", name=op.f("uq_tickets_checkout_id")),
    )
    op.create_index("ix_tickets_sale_id_user_id", "tickets", ["sale_id", "user_id"], unique=True)
    op.create_index(op.f("ix_tickets_user_id"), "tickets", ["user_id"])
    op.create_index(op.f("ix_tickets_payment_id"), "tickets", ["payment_id"])
    op.create_table(
        "comp_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        _at("created_at"),
        sa.Column("redeemed_by", sa.Integer(), nullable=True),
        _at("redeemed_at", nullable=True),
        _fk("comp_codes", "sale_id", "sales", "CASCADE"),
        _fk("comp_codes", "redeemed_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comp_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_comp_codes_code")),
    )
    op.create_index(op.f("ix_comp_codes_sale_id"), "comp_codes", ["sale_id"])
    op.create_table(
        "tips",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("from_user", sa.Integer(), nullable=False),
        sa.Column("to_user", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.String(24), nullable=True),
        sa.Column("episode_id", sa.String(24), nullable=True),
        *_payment_columns(),
        _fk("tips", "from_user", "users", None),
        _fk("tips", "to_user", "users", None),
        _fk("tips", "room_id", "rooms", "SET NULL"),
        _fk("tips", "episode_id", "episodes", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tips")),
        sa.UniqueConstraint("checkout_id", name=op.f("uq_tips_checkout_id")),
    )
    for column in ("from_user", "to_user", "payment_id"):
        op.create_index(op.f(f"ix_tips_{column}"), "tips", [column])
    op.create_table(
        "payment_events",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        _at("received_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_events")),
    )
    with op.batch_alter_table("rooms") as batch_op:
        batch_op.add_column(
            sa.Column("ticketed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("episodes") as batch_op:
        batch_op.add_column(sa.Column("sale_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_episodes_sale_id_sales"), "sales", ["sale_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index(op.f("ix_episodes_sale_id"), ["sale_id"])
    with op.batch_alter_table("feed_keys") as batch_op:
        batch_op.add_column(sa.Column("sale_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_feed_keys_sale_id_sales"), "sales", ["sale_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index(op.f("ix_feed_keys_sale_id"), ["sale_id"])
        batch_op.create_index("ix_feed_keys_user_id_sale_id", ["user_id", "sale_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("feed_keys") as batch_op:
        batch_op.drop_index("ix_feed_keys_user_id_sale_id")
        batch_op.drop_index(op.f("ix_feed_keys_sale_id"))
        batch_op.drop_constraint(op.f("fk_feed_keys_sale_id_sales"), type_="foreignkey")
        batch_op.drop_column("sale_id")
    with op.batch_alter_table("episodes") as batch_op:
        batch_op.drop_index(op.f("ix_episodes_sale_id"))
        batch_op.drop_constraint(op.f("fk_episodes_sale_id_sales"), type_="foreignkey")
        batch_op.drop_column("sale_id")
    with op.batch_alter_table("rooms") as batch_op:
        batch_op.drop_column("ticketed")
    for name in ("payment_events", "tips", "comp_codes", "tickets", "sales", "payout_accounts"):
        op.drop_table(name)
