"""Clubs: create, edit and delete; join (open, by request, by invite link), leave; roles,
removals and bans; followers; the club's images; members' private feed keys."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

from roomcast.actions import feeds, notify, search
from roomcast.actions.context import Context
from roomcast.actions.paths import club_folder
from roomcast.domain import clubs as rules
from roomcast.domain import notices, tokens
from roomcast.domain.clubs import Club, ClubAction, ClubRole, HostPolicy, Joined, JoinPolicy
from roomcast.domain.model import EndReason, PublicUser, Topic, User, UserId, Visibility
from roomcast.errors import BadRequest, Conflict, Forbidden, NotFound, RateLimited
from roomcast.files import drawn_once, write_durably
from roomcast.podcast import artwork
from roomcast.store import UnitOfWork

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ClubDraft:
    name: str
    description: str
    topic: Topic
    language: str
    join: JoinPolicy
    hosting: HostPolicy


@dataclass(frozen=True, slots=True)
class ClubView:
    """A club as a viewer sees it, and what they may do there."""

    club: Club
    role: ClubRole | None = None
    requested: bool = False
    banned: bool = False
    following: bool = False
    followers: int = 0
    requests: int = 0  # waiting; for those who answer them

    def may(self, action: ClubAction | str) -> bool:
        """On the club itself (templates name the action by its value)."""
        return rules.can(self.club, self.role, ClubAction(action)).allowed

    def may_on(self, action: ClubAction | str, role: ClubRole | str) -> bool:
        """On someone whose role in the club is `role`."""
        return rules.can(self.club, self.role, ClubAction(action), ClubRole(role)).allowed


async def load(uow: UnitOfWork, handle: str, *, for_update: bool = False) -> Club:
    """A club that exists (a deleted one is gone: 404, like one that never was)."""
    club = await uow.clubs.by_handle(handle, for_update=for_update)
    if club is None or club.deleted:
        raise NotFound("No such club.", code="club_not_found")
    return club


async def _person(uow: UnitOfWork, username: str) -> User:
    person = await uow.users.by_username(username)
    if person is None:
        raise NotFound("No such user.", code="user_not_found")
    return person


async def _role(uow: UnitOfWork, club: Club, me: User | None) -> ClubRole | None:
    return await uow.clubs.role(club.id, me.id) if me is not None else None


async def _view(uow: UnitOfWork, club: Club, me: User | None) -> ClubView:
    followers = await uow.clubs.followers(club.id)
    if me is None:
        return ClubView(club, followers=followers)
    role = await _role(uow, club, me)
    answers = rules.can(club, role, ClubAction.APPROVE).allowed
    return ClubView(
        club,
        role=role,
        requested=await uow.clubs.has_requested(club.id, me.id),
        banned=await uow.clubs.is_banned(club.id, [me.id]),
        following=await uow.clubs.follows(me.id, club.id),
        followers=followers,
        requests=len(await uow.clubs.requests(club.id)) if answers else 0,
    )


async def view(ctx: Context, handle: str, me: User | None) -> ClubView:
    async with ctx.transaction() as uow:
        return await _view(uow, await load(uow, handle), me)


async def mine(ctx: Context, me: User) -> list[tuple[Club, ClubRole]]:
    async with ctx.transaction() as uow:
        roles = await uow.clubs.clubs_of(me.id)
        clubs = await uow.clubs.many(roles)
    return sorted(((clubs[c], r) for c, r in roles.items()), key=lambda x: x[0].name.casefold())


async def clubs_of(ctx: Context, me: User | None) -> frozenset[int]:
    """The ids of the clubs `me` is in."""
    if me is None:
        return frozenset()
    async with ctx.transaction() as uow:
        return frozenset(await uow.clubs.clubs_of(me.id))


async def listed(ctx: Context, topic: Topic | None = None, limit: int = 50) -> list[Club]:
    async with ctx.transaction() as uow:
        return await uow.clubs.listed(limit, topic)


# ---- the club ----


async def create(ctx: Context, me: User, handle: str, draft: ClubDraft) -> ClubView:
    handle = rules.check_handle(handle)
    now = ctx.clock()
    key = rules.handle_key(handle)
    async with ctx.transaction() as uow:
        if await uow.clubs.handle_taken(key):
            raise Conflict("That handle is taken.", code="handle_taken", field="handle")
        wait = ctx.limits["club"].take(str(me.id), ctx.monotonic())  # a taken handle is free
        if wait > 0:
            raise RateLimited("You have made many clubs; wait a little.", retry_after=wait)
        club = await uow.clubs.add(
            Club(
                id=0,
                handle=handle,
                name=draft.name,
                description=draft.description,
                topic=draft.topic,
                language=draft.language,
                join=draft.join,
                hosting=draft.hosting,
                created_by=me.id,
                created_at=now,
                updated_at=now,
                invite_nonce=secrets.token_hex(8),
            ),
            key,
        )
        await uow.clubs.add_member(club.id, me.id, ClubRole.ADMIN, now)
        club = replace(club, members=1)
        await search.club(uow, club)
        view_ = await _view(uow, club, me)
    logger.info("club %s (%s) created by user %s", club.id, handle, me.id)
    return view_


async def edit(ctx: Context, me: User, handle: str, draft: ClubDraft) -> ClubView:
    async with ctx.transaction() as uow:
        club = await load(uow, handle, for_update=True)
        rules.can(club, await _role(uow, club, me), ClubAction.EDIT).check()
        club = replace(
            club,
            name=draft.name,
            description=draft.description,
            topic=draft.topic,
            language=draft.language,
            join=draft.join,
            hosting=draft.hosting,
            updated_at=ctx.clock(),
        )
        await uow.clubs.save(club)
        await search.club(uow, club)
        return await _view(uow, club, me)


async def delete(ctx: Context, me: User, handle: str) -> None:
    """Gone: its live rooms end, its events are cancelled (their RSVPs told), its members,
    requests, followers and private feeds go. Its handle stays taken; episodes stay their
    hosts' to delete, and members-only ones are heard by nobody else."""
    # rooms and events start rooms as a club through this module: imported here, not above
    from roomcast.actions import events as event_actions
    from roomcast.actions import rooms as room_actions

    async with ctx.transaction() as uow:
        club = await load(uow, handle, for_update=True)
        rules.can(club, await _role(uow, club, me), ClubAction.DELETE).check()
        for room in await uow.rooms.live_of_club(club.id):
            await room_actions.end_now(ctx, uow, room, EndReason.HOST_ENDED)
        for event in await uow.events.scheduled_of_club(club.id):
            await event_actions.cancel_now(ctx, uow, event)
        await uow.clubs.save(rules.deleted(club, ctx.clock()))
        await uow.clubs.empty(club.id)
        await search.club(uow, rules.deleted(club, ctx.clock()))
    logger.info("club %s deleted by user %s", club.id, me.id)


# ---- joining and leaving ----


def invite_token(ctx: Context, club: Club) -> str:
    return tokens.sign(ctx.settings.secret, "club-invite", str(club.id), club.invite_nonce)


def invite_url(ctx: Context, club: Club) -> str:
    return f"{ctx.settings.base_url}/c/{club.handle}?invite={invite_token(ctx, club)}"


async def invite(ctx: Context, me: User, handle: str, *, renew: bool = False) -> str:
    """The invite link (joins without approval); renewing revokes the old one."""
    async with ctx.transaction() as uow:
        club = await load(uow, handle, for_update=renew)
        rules.can(club, await _role(uow, club, me), ClubAction.INVITE).check()
        if renew:
            club = replace(club, invite_nonce=secrets.token_hex(8), updated_at=ctx.clock())
            await uow.clubs.save(club)
    return invite_url(ctx, club)


async def join(ctx: Context, me: User, handle: str, invite: str | None = None) -> ClubView:
    """Join an open club, or one whose invite link `invite` is; else ask to join."""
    now = ctx.clock()
    async with ctx.transaction() as uow:
        club = await load(uow, handle)
        if invite is not None and not tokens.check(
            ctx.settings.secret, invite, "club-invite", str(club.id), club.invite_nonce
        ):
            raise Forbidden(
                "This invite link is no longer valid; ask for a new one.", code="bad_invite"
            )
        role = await _role(uow, club, me)
        banned = await uow.clubs.is_banned(club.id, [me.id])
        outcome = rules.join(club, role, banned, invited=invite is not None)
        if outcome is Joined.MEMBER and role is None:
            await uow.clubs.add_member(club.id, me.id, ClubRole.MEMBER, now)
        elif outcome is Joined.REQUESTED and await uow.clubs.request(club.id, me.id, now):
            draft = notices.join_request(club.id, club.handle, club.name, me.id, me.display_name)
            await notify.announce(ctx, uow, draft, [(notify.PEOPLE, await _answerers(uow, club))])
        return await _view(uow, await load(uow, handle), me)


async def _answerers(uow: UnitOfWork, club: Club) -> list[UserId]:
    """The club's admins and moderators (who answer join requests)."""
    people = await uow.clubs.members(club.id, limit=200)
    return [p.id for p, r in people if r is not ClubRole.MEMBER]


async def cancel_request(ctx: Context, me: User, handle: str) -> ClubView:
    async with ctx.transaction() as uow:
        club = await load(uow, handle)
        await uow.clubs.drop_request(club.id, me.id)
        return await _view(uow, club, me)


async def leave(ctx: Context, me: User, handle: str) -> ClubView:
    """Out of the club; their private feed of it stops working."""
    async with ctx.transaction() as uow:
        club = await load(uow, handle, for_update=True)
        role = await _role(uow, club, me)
        if role is None:
            return await _view(uow, club, me)
        rules.check_admins_remain(await uow.clubs.admins(club.id), role, None)
        await uow.clubs.remove_member(club.id, me.id)
        return await _view(uow, await load(uow, handle), me)


async def requests(ctx: Context, me: User, handle: str) -> list[tuple[PublicUser, datetime]]:
    async with ctx.transaction() as uow:
        club = await load(uow, handle)
        rules.can(club, await _role(uow, club, me), ClubAction.APPROVE).check()
        return list(await uow.clubs.requests(club.id))


async def answer(ctx: Context, me: User, handle: str, username: str, approve: bool) -> None:
    """Let someone in, or say no (they may ask again)."""
    async with ctx.transaction() as uow:
        club = await load(uow, handle, for_update=True)
        rules.can(club, await _role(uow, club, me), ClubAction.APPROVE).check()
        person = await _person(uow, username)
        if not await uow.clubs.has_requested(club.id, person.id):
            raise NotFound(f"@{person.username} has not asked to join.", code="no_request")
        if not approve:
            await uow.clubs.drop_request(club.id, person.id)
            return
        if await uow.clubs.add_member(club.id, person.id, ClubRole.MEMBER, ctx.clock()):
            draft = notices.let_in(club.id, club.handle, club.name, me.id)
            await notify.announce(ctx, uow, draft, [(notify.PEOPLE, [person.id])])


# ---- roles, removals, bans ----


async def _target(uow: UnitOfWork, club: Club, username: str) -> tuple[User, ClubRole | None]:
    person = await _person(uow, username)
    return person, await uow.clubs.role(club.id, person.id)


async def set_role(ctx: Context, me: User, handle: str, username: str, role: ClubRole) -> None:
    async with ctx.transaction() as uow:
        club = await load(uow, handle, for_update=True)
        person, theirs = await _target(uow, club, username)
        if theirs is None:
            raise NotFound(f"@{person.username} is not a member.", code="not_a_member")
        rules.can(club, await _role(uow, club, me), ClubAction.SET_ROLE, theirs).check()
        rules.check_admins_remain(await uow.clubs.admins(club.id), theirs, role)
        await uow.clubs.set_role(club.id, person.id, role)


async def remove(ctx: Context, me: User, handle: str, username: str) -> None:
    async with ctx.transaction() as uow:
        club = await load(uow, handle, for_update=True)
        person, theirs = await _target(uow, club, username)
        if theirs is None:
            return  # not a member (any more): nothing to do
        rules.can(club, await _role(uow, club, me), ClubAction.REMOVE, theirs).check()
        await uow.clubs.remove_member(club.id, person.id)


async def ban(ctx: Context, me: User, handle: str, username: str) -> None:
    """Out of the club, its rooms and its members' feed, until lifted."""
    async with ctx.transaction() as uow:
        club = await load(uow, handle, for_update=True)
        person, theirs = await _target(uow, club, username)
        if person.id == me.id:
            raise BadRequest("You cannot ban yourself.", code="ban_self")
        target = theirs if theirs is not None else rules.OUTSIDER
        rules.can(club, await _role(uow, club, me), ClubAction.BAN, target).check()
        await uow.clubs.ban(club.id, person.id, me.id, ctx.clock())
    logger.info("user %s banned from club %s by user %s", person.id, club.id, me.id)


async def unban(ctx: Context, me: User, handle: str, username: str) -> None:
    async with ctx.transaction() as uow:
        club = await load(uow, handle, for_update=True)
        rules.can(club, await _role(uow, club, me), ClubAction.BAN, rules.OUTSIDER).check()
        person = await _person(uow, username)
        await uow.clubs.unban(club.id, person.id)


async def bans(ctx: Context, me: User, handle: str) -> list[tuple[PublicUser, datetime]]:
    async with ctx.transaction() as uow:
        club = await load(uow, handle)
        rules.can(club, await _role(uow, club, me), ClubAction.BAN, rules.OUTSIDER).check()
        return list(await uow.clubs.bans(club.id))


async def members(
    ctx: Context, handle: str, after: tuple[int, int] | None = None, limit: int = 100
) -> list[tuple[PublicUser, ClubRole]]:
    async with ctx.transaction() as uow:
        club = await load(uow, handle)
        return await uow.clubs.members(club.id, limit, after)


# ---- followers ----


async def follow(ctx: Context, me: User, handle: str, on: bool) -> ClubView:
    wait = ctx.limits["follow"].take(str(me.id), ctx.monotonic())
    if wait > 0:
        raise RateLimited("You have followed a lot at once; wait a little.", retry_after=wait)
    async with ctx.transaction() as uow:
        club = await load(uow, handle)
        if on:
            if await uow.clubs.is_banned(club.id, [me.id]):
                raise Forbidden("You were banned from this club.", code="club_banned")
            await uow.clubs.follow(me.id, club.id, ctx.clock())
        else:
            await uow.clubs.unfollow(me.id, club.id)
        return await _view(uow, club, me)


# ---- hosting as the club ----


async def for_hosting(uow: UnitOfWork, me: User, handle: str) -> Club:
    """The club `me` starts or schedules a room as, if they may."""
    club = await load(uow, handle)
    role = await _role(uow, club, me)
    if await uow.clubs.is_banned(club.id, [me.id]):
        raise Forbidden("You were banned from this club.", code="club_banned")
    verdict = rules.can(club, role, ClubAction.HOST)
    if not verdict.allowed:
        raise Forbidden(verdict.reason, code="not_club_host", field="club")
    return club


def audiences(visibility: Visibility, host_id: UserId, club: Club | None) -> list[notify.Audience]:
    """Who hears of a new room or event: the host's followers for an open one (and, of a
    club's, its members and followers); only the members for a members-only one; nobody
    for a link-only one (it is the host's to share)."""
    if visibility is Visibility.LINK:
        return []
    if club is None:
        return [(notify.FOLLOWERS, host_id)]
    members: list[notify.Audience] = [(notify.MEMBERS, club.id)]
    if visibility is Visibility.MEMBERS:
        return members
    return [(notify.FOLLOWERS, host_id), *members, (notify.CLUB_FOLLOWERS, club.id)]


async def is_member(uow: UnitOfWork, club_id: int | None, me: User | None) -> bool:
    if club_id is None or me is None:
        return False
    return await uow.clubs.role(club_id, me.id) is not None


# ---- images ----

ImageKind = Literal["avatar", "cover"]


def _image(club: Club, which: ImageKind) -> str | None:
    return club.avatar if which == "avatar" else club.cover


def _with_image(club: Club, which: ImageKind, name: str | None, now: datetime) -> Club:
    if which == "avatar":
        return replace(club, avatar=name, updated_at=now)
    return replace(club, cover=name, updated_at=now)


async def set_image(ctx: Context, me: User, handle: str, which: ImageKind, data: bytes) -> ClubView:
    """The club's avatar (square; its show's cover too) or cover (a wide banner)."""
    encode = artwork.square_jpeg if which == "avatar" else artwork.banner_jpeg
    async with ctx.transaction() as uow:
        club = await load(uow, handle)
        rules.can(club, await _role(uow, club, me), ClubAction.EDIT).check()
    jpeg = await asyncio.to_thread(encode, data)
    name = f"{which}-{hashlib.sha256(jpeg).hexdigest()[:16]}.jpg"
    folder = club_folder(ctx, club.id)
    await asyncio.to_thread(write_durably, folder / name, jpeg)
    async with ctx.transaction() as uow:
        club = await load(uow, handle, for_update=True)
        old = _image(club, which)
        club = _with_image(club, which, name, ctx.clock())
        await uow.clubs.save(club)
        view_ = await _view(uow, club, me)
    if old and old != name:
        (folder / old).unlink(missing_ok=True)
    return view_


async def remove_image(ctx: Context, me: User, handle: str, which: ImageKind) -> ClubView:
    async with ctx.transaction() as uow:
        club = await load(uow, handle, for_update=True)
        rules.can(club, await _role(uow, club, me), ClubAction.EDIT).check()
        old = _image(club, which)
        club = _with_image(club, which, None, ctx.clock())
        await uow.clubs.save(club)
        view_ = await _view(uow, club, me)
    if old:
        (club_folder(ctx, club.id) / old).unlink(missing_ok=True)
    return view_


async def image_file(ctx: Context, handle: str, which: ImageKind) -> Path | None:
    """The file of the club's avatar (drawn from its name when none was uploaded) or cover
    (None when none was uploaded)."""
    async with ctx.transaction() as uow:
        club = await load(uow, handle)
    folder = club_folder(ctx, club.id)
    uploaded = _image(club, which)
    if uploaded:
        return folder / uploaded
    if which == "cover":
        return None
    name = club.name
    return await asyncio.to_thread(drawn_once, folder, name, lambda: artwork.generated(name))


# ---- members' private feeds ----


async def private_feed(ctx: Context, me: User, handle: str, *, renew: bool = False) -> str:
    """A member's own feed URL of the club's show, members-only episodes included. It is
    theirs alone: leaving, removal or a ban revokes it, and renewing replaces it."""
    async with ctx.transaction() as uow:
        club = await load(uow, handle)
        if await _role(uow, club, me) is None:
            raise Forbidden("Private feeds are for the club's members.", code="not_a_member")
        await uow.clubs.feed_key(me.id, club.id, secrets.token_hex(8), ctx.clock())
        if renew:
            await uow.clubs.renew_feed_key(me.id, club.id, secrets.token_hex(8))
        found = await uow.clubs.key_of(me.id, club.id)
    assert found is not None  # made just above, in the same transaction
    key = feeds.key_text(ctx, *found)
    return f"{ctx.settings.base_url}/feeds/{key}/feed.xml"


async def feed_holder(ctx: Context, key: str) -> tuple[User, Club]:
    """Who a club's private feed key belongs to, and whose club it opens, while valid."""
    found = await feeds.holder(ctx, key)
    if found.club is None:
        raise feeds.REFUSED
    return found.user, found.club
