"""Payments: creators' payout accounts, sales and their tickets and comp codes, tips, and the
provider's webhook events already handled."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roomcast.domain.model import PublicUser, RoomId, UserId, public_user
from roomcast.domain.payouts import PayoutAccount, Tip, TipState
from roomcast.domain.tickets import Sale, Terms, Ticket, TicketState, Window
from roomcast.store.repos._sql import insert, insert_new
from roomcast.store.tables import (
    CompCodeRow,
    FeedKeyRow,
    PaymentEventRow,
    PayoutAccountRow,
    SaleRow,
    TicketRow,
    TipRow,
    UserRow,
)


def _account(row: PayoutAccountRow) -> PayoutAccount:
    return PayoutAccount(
        user_id=UserId(row.user_id),
        account=row.account,
        charges_enabled=row.charges_enabled,
        payouts_enabled=row.payouts_enabled,
        details_submitted=row.details_submitted,
        requirements_due=tuple(json.loads(row.requirements_due)),
        currency=row.currency,
        status_at=row.status_at,
    )


class PayoutAccountRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, user_id: UserId) -> PayoutAccount | None:
        row = await self._s.get(PayoutAccountRow, user_id)
        return _account(row) if row else None

    async def by_account(self, account: str) -> PayoutAccount | None:
        row = await self._s.scalar(
            select(PayoutAccountRow).where(PayoutAccountRow.account == account)
        )
        return _account(row) if row else None

    async def put(self, a: PayoutAccount, now: datetime) -> None:
        values = {
            "account": a.account,
            "charges_enabled": a.charges_enabled,
            "payouts_enabled": a.payouts_enabled,
            "details_submitted": a.details_submitted,
            "requirements_due": json.dumps(list(a.requirements_due)),
            "currency": a.currency,
            "status_at": a.status_at,
        }
        stmt = insert(self._s, PayoutAccountRow).values(user_id=a.user_id, created_at=now, **values)
        await self._s.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_=values))


def _sale(row: SaleRow) -> Sale:
    return Sale(
        id=row.id,
        host_id=UserId(row.host_id),
        terms=Terms(row.price, row.currency, row.capacity, Window(row.window)),
        created_at=row.created_at,
        event_id=row.event_id,
        room_id=RoomId(row.room_id) if row.room_id else None,
        cancelled_at=row.cancelled_at,
    )


class SaleRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, sale: Sale) -> Sale:
        row = SaleRow(
            host_id=sale.host_id,
            event_id=sale.event_id,
            room_id=sale.room_id,
            price=sale.terms.price,
            currency=sale.terms.currency,
            capacity=sale.terms.capacity,
            window=sale.terms.window.value,
            created_at=sale.created_at,
        )
        self._s.add(row)
        await self._s.flush()
        return _sale(row)

    async def get(self, sale_id: int, *, for_update: bool = False) -> Sale | None:
        """`for_update`: a PostgreSQL row lock, so seats are counted by one buyer at a time
        (SQLite serialises every unit of work anyway)."""
        stmt = select(SaleRow).where(SaleRow.id == sale_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = await self._s.scalar(stmt)
        return _sale(row) if row else None

    async def of_event(self, event_id: str) -> Sale | None:
        row = await self._s.scalar(select(SaleRow).where(SaleRow.event_id == event_id))
        return _sale(row) if row else None

    async def of_room(self, room_id: str) -> Sale | None:
        row = await self._s.scalar(select(SaleRow).where(SaleRow.room_id == room_id))
        return _sale(row) if row else None

    async def of_events(self, event_ids: Iterable[str]) -> dict[str, Sale]:
        wanted = set(event_ids)
        if not wanted:
            return {}
        rows = await self._s.scalars(select(SaleRow).where(SaleRow.event_id.in_(wanted)))
        return {r.event_id: _sale(r) for r in rows if r.event_id}

    async def many(self, ids: Iterable[int]) -> dict[int, Sale]:
        wanted = set(ids)
        if not wanted:
            return {}
        rows = await self._s.scalars(select(SaleRow).where(SaleRow.id.in_(wanted)))
        return {r.id: _sale(r) for r in rows}

    async def save(self, sale: Sale) -> None:
        await self._s.execute(
            update(SaleRow)
            .where(SaleRow.id == sale.id)
            .values(
                room_id=sale.room_id,
                price=sale.terms.price,
                currency=sale.terms.currency,
                capacity=sale.terms.capacity,
                window=sale.terms.window.value,
                cancelled_at=sale.cancelled_at,
            )
        )


def _ticket(row: TicketRow) -> Ticket:
    return Ticket(
        id=row.id,
        sale_id=row.sale_id,
        user_id=UserId(row.user_id),
        state=TicketState(row.state),
        amount=row.amount,
        fee=row.fee,
        currency=row.currency,
        created_at=row.created_at,
        held_until=row.held_until,
        checkout_id=row.checkout_id,
        payment_id=row.payment_id,
        account=row.account,
        paid_at=row.paid_at,
        refunded_at=row.refunded_at,
        feed_revoked=row.feed_revoked,
    )


def _ticket_values(t: Ticket) -> dict[str, object]:
    return {
        "state": t.state.value,
        "amount": t.amount,
        "fee": t.fee,
        "currency": t.currency,
        "held_until": t.held_until,
        "checkout_id": t.checkout_id,
        "payment_id": t.payment_id,
        "account": t.account,
        "paid_at": t.paid_at,
        "refunded_at": t.refunded_at,
        "feed_revoked": t.feed_revoked,
    }


class TicketRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def open(self, t: Ticket) -> Ticket:
        """`t` as this person's ticket for its sale: a new row, or their old one (released
        or refunded) made over. Two parallel copies collide on (sale, user): a 409."""
        row = await self._s.scalar(
            select(TicketRow).where(TicketRow.sale_id == t.sale_id, TicketRow.user_id == t.user_id)
        )
        if row is None:
            row = TicketRow(sale_id=t.sale_id, user_id=t.user_id, created_at=t.created_at)
            self._s.add(row)
        for name, value in _ticket_values(t).items():
            setattr(row, name, value)
        row.created_at = t.created_at
        await self._s.flush()
        return _ticket(row)

    async def get(self, ticket_id: int) -> Ticket | None:
        row = await self._s.get(TicketRow, ticket_id)
        return _ticket(row) if row else None

    async def mine(self, sale_id: int, user_id: UserId) -> Ticket | None:
        row = await self._s.scalar(
            select(TicketRow).where(TicketRow.sale_id == sale_id, TicketRow.user_id == user_id)
        )
        return _ticket(row) if row else None

    async def by_checkout(self, checkout_id: str) -> Ticket | None:
        row = await self._s.scalar(select(TicketRow).where(TicketRow.checkout_id == checkout_id))
        return _ticket(row) if row else None

    async def by_payment(self, payment_id: str) -> Ticket | None:
        row = await self._s.scalar(select(TicketRow).where(TicketRow.payment_id == payment_id))
        return _ticket(row) if row else None

    async def save(self, t: Ticket) -> None:
        await self._s.execute(
            update(TicketRow).where(TicketRow.id == t.id).values(**_ticket_values(t))
        )

    async def taken(self, sale_id: int, now: datetime, besides: UserId | None = None) -> int:
        """Seats sold, given or held at an open Checkout (other than `besides`'s)."""
        held = and_(TicketRow.state == TicketState.HELD.value, TicketRow.held_until > now)
        valid = TicketRow.state.in_((TicketState.PAID.value, TicketState.COMP.value))
        stmt = (
            select(func.count())
            .select_from(TicketRow)
            .where(TicketRow.sale_id == sale_id, or_(valid, held))
        )
        if besides is not None:
            stmt = stmt.where(TicketRow.user_id != besides)
        return int(await self._s.scalar(stmt) or 0)

    async def valid(self, sale_id: int, user_id: UserId) -> bool:
        found = await self.mine(sale_id, user_id)
        return found is not None and found.valid

    async def of_sale(self, sale_id: int) -> list[tuple[Ticket, PublicUser]]:
        rows = await self._s.execute(
            select(TicketRow, UserRow.id, UserRow.username, UserRow.display_name)
            .join(UserRow, UserRow.id == TicketRow.user_id)
            .where(TicketRow.sale_id == sale_id)
            .order_by(TicketRow.created_at, TicketRow.id)
        )
        return [(_ticket(t), public_user(UserId(uid), name, shown)) for t, uid, name, shown in rows]

    async def of_user(self, user_id: UserId, limit: int = 200) -> list[Ticket]:
        rows = await self._s.scalars(
            select(TicketRow)
            .where(
                TicketRow.user_id == user_id,
                TicketRow.state.in_(
                    (TicketState.PAID.value, TicketState.COMP.value, TicketState.REFUNDED.value)
                ),
            )
            .order_by(TicketRow.created_at.desc())
            .limit(limit)
        )
        return [_ticket(r) for r in rows]

    async def add_codes(self, sale_id: int, codes: Iterable[str], now: datetime) -> None:
        self._s.add_all(CompCodeRow(sale_id=sale_id, code=c, created_at=now) for c in codes)
        await self._s.flush()

    async def redeem(self, code: str, user_id: UserId, now: datetime) -> int | None:
        """The sale a free code is for, marking it used by `user_id`: None when it is
        unknown or used (one statement: two people racing for one code, one wins)."""
        result = await self._s.execute(
            update(CompCodeRow)
            .where(CompCodeRow.code == code, CompCodeRow.redeemed_by.is_(None))
            .values(redeemed_by=user_id, redeemed_at=now)
            .returning(CompCodeRow.sale_id)
        )
        found = result.scalar()
        return int(found) if found is not None else None

    async def codes(self, sale_id: int) -> list[tuple[str, UserId | None]]:
        rows = await self._s.execute(
            select(CompCodeRow.code, CompCodeRow.redeemed_by)
            .where(CompCodeRow.sale_id == sale_id)
            .order_by(CompCodeRow.id)
        )
        return [(c, UserId(u) if u else None) for c, u in rows]

    # ---- buyers' private feed keys (the clubs' feed_keys table) ----

    async def feed_key(self, user_id: UserId, sale_id: int, nonce: str, now: datetime) -> None:
        await insert_new(
            self._s, FeedKeyRow, user_id=user_id, sale_id=sale_id, nonce=nonce, created_at=now
        )

    async def key_of(self, user_id: UserId, sale_id: int) -> tuple[int, str] | None:
        row = (
            await self._s.execute(
                select(FeedKeyRow.id, FeedKeyRow.nonce).where(
                    FeedKeyRow.user_id == user_id, FeedKeyRow.sale_id == sale_id
                )
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def drop_feed_key(self, user_id: UserId, sale_id: int) -> None:
        await self._s.execute(
            delete(FeedKeyRow).where(FeedKeyRow.user_id == user_id, FeedKeyRow.sale_id == sale_id)
        )


def _tip(row: TipRow) -> Tip:
    return Tip(
        id=row.id,
        from_user=UserId(row.from_user),
        to_user=UserId(row.to_user),
        amount=row.amount,
        fee=row.fee,
        currency=row.currency,
        state=TipState(row.state),
        created_at=row.created_at,
        room_id=RoomId(row.room_id) if row.room_id else None,
        episode_id=row.episode_id,
        checkout_id=row.checkout_id,
        payment_id=row.payment_id,
        account=row.account,
        paid_at=row.paid_at,
    )


class TipRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, tip: Tip) -> Tip:
        row = TipRow(
            from_user=tip.from_user,
            to_user=tip.to_user,
            room_id=tip.room_id,
            episode_id=tip.episode_id,
            amount=tip.amount,
            fee=tip.fee,
            currency=tip.currency,
            state=tip.state.value,
            account=tip.account,
            created_at=tip.created_at,
        )
        self._s.add(row)
        await self._s.flush()
        return _tip(row)

    async def get(self, tip_id: int) -> Tip | None:
        row = await self._s.get(TipRow, tip_id)
        return _tip(row) if row else None

    async def by_payment(self, payment_id: str) -> Tip | None:
        row = await self._s.scalar(select(TipRow).where(TipRow.payment_id == payment_id))
        return _tip(row) if row else None

    async def save(self, tip: Tip) -> None:
        await self._s.execute(
            update(TipRow)
            .where(TipRow.id == tip.id)
            .values(
                state=tip.state.value,
                checkout_id=tip.checkout_id,
                payment_id=tip.payment_id,
                paid_at=tip.paid_at,
            )
        )

    async def received(self, user_id: UserId, limit: int = 100) -> list[tuple[Tip, PublicUser]]:
        rows = await self._s.execute(
            select(TipRow, UserRow.id, UserRow.username, UserRow.display_name)
            .join(UserRow, UserRow.id == TipRow.from_user)
            .where(TipRow.to_user == user_id, TipRow.state != TipState.OPEN.value)
            .order_by(TipRow.paid_at.desc(), TipRow.id.desc())
            .limit(limit)
        )
        return [(_tip(t), public_user(UserId(u), n, d)) for t, u, n, d in rows]


class PaymentEventRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def first_time(self, event_id: str, kind: str, now: datetime) -> bool:
        """Record a provider's event as handled; False when it was already (a redelivery,
        or two deliveries at once: one statement, so only one of them gets True)."""
        return await insert_new(
            self._s, PaymentEventRow, id=event_id, type=kind[:64], received_at=now
        )
