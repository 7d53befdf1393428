"""Private feed addresses: one person's key to what only they may hear, for podcast apps
that carry no cookies: a club's members-only episodes (a member's key) or a ticketed
room's replay (a buyer's key). The URL carries the key's id and an HMAC of its nonce; the
row's deletion or a new nonce revokes it, and so does the holder losing their standing
(leaving the club; a refunded ticket; the host revoking a buyer's feed; suspension).
"""

from __future__ import annotations

from dataclasses import dataclass

from roomcast.actions.context import Context
from roomcast.domain import tokens
from roomcast.domain.clubs import Club
from roomcast.domain.model import User
from roomcast.domain.tickets import Sale
from roomcast.errors import Forbidden

REFUSED = Forbidden("This private feed address is not valid (any more).", code="bad_feed_key")


@dataclass(frozen=True, slots=True)
class Holder:
    user: User
    club: Club | None = None  # a member's key to this club's show
    sale: Sale | None = None  # a buyer's key to this sale's replay


def key_text(ctx: Context, key_id: int, nonce: str) -> str:
    return f"{key_id}.{tokens.sign(ctx.settings.secret, 'feed', str(key_id), nonce)}"


async def holder(ctx: Context, key: str) -> Holder:
    """Whose key this is and what it opens, while it is valid; the same 403 for anything
    else (unknown, tampered, revoked), so a guess learns nothing."""
    key_id, _, mac = key.partition(".")
    if not key_id.isdigit() or len(key_id) > 12:
        raise REFUSED
    async with ctx.transaction() as uow:
        found = await uow.clubs.key(int(key_id))
        if found is None:
            raise REFUSED
        user_id, club_id, sale_id, nonce = found
        if not tokens.check(ctx.settings.secret, mac, "feed", key_id, nonce):
            raise REFUSED
        user = await uow.users.get(user_id)
        if user is None or user.suspended:
            raise REFUSED
        if club_id is not None:
            club = await uow.clubs.get(club_id)
            if club is None or club.deleted or await uow.clubs.role(club_id, user_id) is None:
                raise REFUSED
            return Holder(user, club=club)
        if sale_id is not None:
            sale = await uow.sales.get(sale_id)
            ticket = await uow.tickets.mine(sale_id, user_id)
            if sale is None or ticket is None or not ticket.valid or ticket.feed_revoked:
                raise REFUSED
            return Holder(user, sale=sale)
    raise REFUSED
