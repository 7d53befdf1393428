"""The payment provider's word: its signed webhooks, verified, then acted on once per
event id, whatever order they come in (paid, expired, refunded, an account's status)."""

from __future__ import annotations

import logging
from dataclasses import replace

from roomcast.actions import payments, tickets, tips
from roomcast.actions.context import Context
from roomcast.bus import signals_channel
from roomcast.domain import payouts
from roomcast.domain import tickets as rules
from roomcast.domain.model import PublicUser
from roomcast.domain.payouts import Tip, TipState
from roomcast.domain.tickets import TicketState
from roomcast.domain.updates import Tipped
from roomcast.errors import BadRequest
from roomcast.payments import (
    BadSignature,
    EventKind,
    PaymentError,
    PaymentEvent,
)

logger = logging.getLogger(__name__)


# ---- the provider's word: webhooks ----


async def webhook(ctx: Context, payload: bytes, signature: str | None) -> None:
    p = payments.provider(ctx)
    try:
        event = p.parse_event(payload, signature)
    except BadSignature as e:
        logger.warning("payment webhook refused: %s", e)
        raise BadRequest("The signature does not verify.", code="bad_signature") from e
    except PaymentError as e:
        raise BadRequest(str(e), code="no_webhooks") from e
    if event is not None:
        await handle(ctx, event)


async def handle(ctx: Context, event: PaymentEvent) -> None:
    """Act on what the provider says, once per event id, whatever order events come in."""
    tipped: tuple[Tip, PublicUser, PublicUser] | None = None
    now = ctx.clock()
    async with ctx.transaction() as uow:
        if not await uow.payment_events.first_time(event.id, event.kind.value, now):
            logger.info("payment event %s seen before: skipped", event.id)
            return
        match event.kind:
            case EventKind.PAID:
                kind, _, ref = (event.reference or "").partition(":")
                if kind == "ticket" and ref.isdigit():
                    await tickets.ticket_paid(ctx, uow, int(ref), event)
                elif kind == "tip" and ref.isdigit():
                    tipped = await tips.tip_paid(uow, int(ref), event, now)
                else:
                    logger.warning("payment event %s for nothing of ours", event.id)
            case EventKind.EXPIRED:
                t = await uow.tickets.by_checkout(event.checkout_id or "")
                if t is not None:
                    await uow.tickets.save(rules.on_expired(t))
            case EventKind.REFUNDED:
                t = await uow.tickets.by_payment(event.payment_id or "")
                if t is not None and t.state is not TicketState.REFUNDED:
                    await tickets.refunded_now(ctx, uow, t)
                tip = await uow.tips.by_payment(event.payment_id or "")
                if tip is not None:
                    await uow.tips.save(replace(tip, state=TipState.REFUNDED))
            case EventKind.ACCOUNT:
                s = event.status
                found = await uow.payout_accounts.by_account(s.account) if s else None
                if s is not None and found is not None:
                    new = payments.account_of_status(found.user_id, s, found.currency)
                    await uow.payout_accounts.put(payouts.updated(found, new), now)
    if tipped is not None:
        tip, giver, speaker = tipped
        if tip.room_id is not None:
            ctx.bus.publish(signals_channel(tip.room_id), Tipped(giver, speaker))
