"""Tips to speakers, in a live room or on an episode: a Checkout on the speaker's own
account, counted when the provider confirms it; the room sees "💸 Sam tipped Maya"."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from roomcast.actions import payments, standing
from roomcast.actions.context import Context
from roomcast.domain import money, payouts
from roomcast.domain import rooms as room_rules
from roomcast.domain import tickets as rules
from roomcast.domain.identity import user_key
from roomcast.domain.model import PublicUser, RoomId, User
from roomcast.domain.payouts import Tip, TipState
from roomcast.errors import BadRequest, Conflict, NotFound, Unavailable
from roomcast.payments import (
    CheckoutRequest,
    PaymentError,
    PaymentEvent,
)
from roomcast.store import UnitOfWork


async def tip_paid(
    uow: UnitOfWork, tip_id: int, event: PaymentEvent, now: datetime
) -> tuple[Tip, PublicUser, PublicUser] | None:
    tip = await uow.tips.get(tip_id)
    if tip is None or not payouts.matches(
        tip.checkout_id, tip.account, event.checkout_id, event.account
    ):
        return None
    paid, changed = payouts.tip_paid(tip, event.payment_id or "", now)
    if not changed:
        return None
    await uow.tips.save(replace(paid, checkout_id=event.checkout_id or tip.checkout_id))
    people = await uow.users.public([tip.from_user, tip.to_user])
    return paid, people[tip.from_user], people[tip.to_user]


# ---- tips ----


async def tip(
    ctx: Context,
    giver: User,
    username: str,
    amount: int,
    *,
    room_id: str | None = None,
    episode_id: str | None = None,
) -> str:
    """A Checkout for a tip to a speaker, in their account's currency (preset amounts)."""
    p = payments.provider(ctx)
    if (room_id is None) == (episode_id is None):
        raise BadRequest("Tip in a room or on an episode.", code="bad_tip")
    now = ctx.clock()
    async with ctx.transaction() as uow:
        speaker = await uow.users.by_username(username)
        if speaker is None or speaker.suspended:
            raise NotFound("No such person.", code="user_not_found")
        payouts.check_tip(giver.id, speaker.id)
        if await uow.users.is_blocked(speaker.id, giver.id):
            raise NotFound("No such person.", code="user_not_found")
        if room_id is not None:
            room = await uow.rooms.get(room_id)
            if room is None or not room.is_live:
                raise Conflict("Tips in a room are for live rooms.", code="room_not_live")
            who = await standing.visitor(ctx, uow, room, giver, "")
            room_rules.may_view(room, who.actor, now)
            role = await uow.participants.present_role(room.id, user_key(speaker.id))
            if role is None or not role.on_stage:
                raise Conflict("Tip people on the stage.", code="not_on_stage")
        else:
            ep = await uow.episodes.get(episode_id or "")
            if ep is None or not ep.is_public:
                raise NotFound("No such episode.", code="episode_not_found")
            if speaker.id != ep.user_id and speaker.id not in ep.speakers:
                raise Conflict("Tip the people heard in this episode.", code="not_a_speaker")
        account = payouts.check_ready(
            await uow.payout_accounts.get(speaker.id), speaker.display_name
        )
        if amount not in money.tip_presets(account.currency):
            raise BadRequest(
                "Tips come in preset amounts: "
                + ", ".join(
                    money.format_amount(a, account.currency)
                    for a in money.tip_presets(account.currency)
                ),
                code="bad_tip_amount",
                field="amount",
            )
        fee = payments.fee(ctx, amount)
        new = Tip(0, giver.id, speaker.id, amount, fee, account.currency, TipState.OPEN, now)
        made = await uow.tips.add(
            replace(
                new,
                room_id=RoomId(room_id) if room_id else None,
                episode_id=episode_id,
                account=account.account,
            )
        )
    base = ctx.settings.base_url
    back = f"{base}/r/{room_id}" if room_id else f"{base}/episodes/{episode_id}"
    try:
        checkout = await p.checkout(
            CheckoutRequest(
                account=account.account,
                amount=amount,
                currency=account.currency,
                fee=fee,
                name=f"A tip for {speaker.display_name}",
                reference=f"tip:{made.id}",
                success_url=f"{back}?tip=thanks",
                cancel_url=back,
                expires_at=now + rules.HOLD,
                idempotency_key=f"tip-{made.id}-checkout",
            )
        )
    except PaymentError as e:
        raise Unavailable(str(e), code="payment_provider_unavailable") from e
    async with ctx.transaction() as uow:
        current = await uow.tips.get(made.id)
        if current is not None and current.checkout_id is None:
            await uow.tips.save(replace(current, checkout_id=checkout.id))
    return checkout.url


async def tip_currency(ctx: Context, username: str) -> str | None:
    """The currency this person is tipped in; None when they take no tips (or this server
    takes no payments); 404 for nobody by that name."""
    async with ctx.transaction() as uow:
        user = await uow.users.by_username(username)
        account = await uow.payout_accounts.get(user.id) if user else None
    if user is None:
        raise NotFound("No such person.", code="user_not_found")
    if ctx.payments is None or user.suspended or account is None or not account.ready:
        return None
    return account.currency


async def tips_received(ctx: Context, me: User) -> list[tuple[Tip, PublicUser]]:
    async with ctx.transaction() as uow:
        return await uow.tips.received(me.id)
