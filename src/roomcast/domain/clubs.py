"""Clubs: communities with members, their own rooms and their own show. Who may do what in a
club, how one joins, and what a handle is. Pure: no I/O, the clock is passed in."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from roomcast.domain.model import Topic, UserId, Visibility
from roomcast.domain.permissions import ALLOWED, Verdict
from roomcast.domain.text import name_key
from roomcast.errors import BadRequest, Conflict, Forbidden

HANDLE = re.compile(r"^[a-z0-9_]{3,24}$")
RESERVED_HANDLES = frozenset({"new", "admin", "api", "static", "settings", "search", "topics"})


class ClubRole(enum.StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    MEMBER = "member"

    @property
    def rank(self) -> int:
        return {"admin": 2, "moderator": 1, "member": 0}[self.value]


class JoinPolicy(enum.StrEnum):
    OPEN = "open"  # anyone joins at once
    APPROVAL = "approval"  # people ask; an admin or moderator approves (or an invite link)


class HostPolicy(enum.StrEnum):
    """Who may start and schedule rooms as the club."""

    MODERATORS = "moderators"  # admins and moderators
    MEMBERS = "members"  # every member


@dataclass(frozen=True, slots=True)
class Club:
    id: int
    handle: str  # lower-case ASCII, unique with its look-alikes (handle_key)
    name: str
    description: str
    topic: Topic
    language: str
    join: JoinPolicy
    hosting: HostPolicy
    created_by: UserId
    created_at: datetime
    updated_at: datetime
    avatar: str | None = None  # file names under the club's folder; None: generated
    cover: str | None = None
    invite_nonce: str = ""  # the invite link is an HMAC of it: a new nonce revokes the link
    deleted_at: datetime | None = None
    members: int = 0  # a count kept by the store, for pages

    def __post_init__(self) -> None:
        if not HANDLE.match(self.handle):
            raise ValueError("bad club handle")

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None


def handle_key(handle: str) -> str:
    """What a handle looks like, case aside: two clubs may not share one ("c1ub", "club")."""
    return name_key(handle)


def check_handle(handle: str) -> str:
    """The handle as stored; BadRequest says what is wrong with it."""
    h = handle.strip().lower()
    if not HANDLE.match(h):
        raise BadRequest(
            "A handle is 3-24 letters, digits or underscores.", code="bad_handle", field="handle"
        )
    if h in RESERVED_HANDLES:
        raise Conflict("That handle is taken.", code="handle_taken", field="handle")
    return h


class ClubAction(enum.StrEnum):
    EDIT = "edit"  # name, description, policies, images
    DELETE = "delete"
    SET_ROLE = "set_role"  # make someone admin, moderator or member
    APPROVE = "approve"  # answer join requests
    INVITE = "invite"  # see and renew the invite link
    REMOVE = "remove"  # out of the club (they may ask again)
    BAN = "ban"  # out, and refused at every club door until lifted
    HOST = "host"  # start or schedule rooms as the club
    MODERATE_ROOMS = "moderate_rooms"  # a moderator in every club room


A, M, P = ClubRole.ADMIN, ClubRole.MODERATOR, ClubRole.MEMBER
OUTSIDER: Literal["outsider"] = "outsider"  # a target who is not a member
Target = ClubRole | Literal["outsider"]

# each acting role: the targets it may act on (None: acts on the club itself)
RULES: dict[ClubAction, dict[ClubRole, frozenset[Target] | None]] = {
    ClubAction.EDIT: {A: None},
    ClubAction.DELETE: {A: None},
    ClubAction.SET_ROLE: {A: frozenset({A, M, P})},
    ClubAction.APPROVE: {A: None, M: None},
    ClubAction.INVITE: {A: None, M: None},
    ClubAction.REMOVE: {A: frozenset({M, P}), M: frozenset({P})},
    ClubAction.BAN: {A: frozenset({M, P, OUTSIDER}), M: frozenset({P, OUTSIDER})},
    ClubAction.HOST: {A: None, M: None},
    ClubAction.MODERATE_ROOMS: {A: None, M: None},
}


def can(
    club: Club, role: ClubRole | None, action: ClubAction, target: Target | None = None
) -> Verdict:
    """May someone whose role in `club` is `role` (None: not a member) do `action` to
    someone whose role is `target` (OUTSIDER: not a member; None: to the club itself)?"""
    if club.deleted:
        return Verdict(False, "This club was deleted.", "club_deleted")
    if action is ClubAction.HOST and role is P and club.hosting is HostPolicy.MEMBERS:
        return ALLOWED
    if role is None:
        return Verdict(False, "Only members can do that.", "not_a_member")
    rule = RULES[action]
    if role not in rule:
        who = " or ".join(f"{r.value}s" for r in (A, M, P) if r in rule)
        return Verdict(False, f"Only the club's {who} may {action.value.replace('_', ' ')}.")
    targets = rule[role]
    if targets is None:
        return ALLOWED
    if target is None:
        return Verdict(False, "Say whom.")
    if target not in targets:
        whom = "someone outside the club" if target == OUTSIDER else f"a {target}"
        return Verdict(False, f"A club {role.value} may not {action.value} {whom}.")
    return ALLOWED


class Joined(enum.StrEnum):
    MEMBER = "member"  # in
    REQUESTED = "requested"  # waiting for approval


def join(club: Club, role: ClubRole | None, banned: bool, invited: bool) -> Joined:
    """Someone asks to join: in at once (open club, or an invite link), else a request.
    Idempotent: a member stays what they are."""
    if club.deleted:
        raise Forbidden("This club was deleted.", code="club_deleted")
    if banned:
        raise Forbidden("You were banned from this club.", code="club_banned")
    if role is not None:
        return Joined.MEMBER
    return Joined.MEMBER if club.join is JoinPolicy.OPEN or invited else Joined.REQUESTED


def check_admins_remain(admins: int, role: ClubRole | None, new_role: ClubRole | None) -> None:
    """A club always keeps an admin: the last one cannot leave, step down or be removed
    (they hand the club on, or delete it)."""
    if role is A and new_role is not A and admins <= 1:
        raise Conflict(
            "A club needs an admin: make someone else admin first, or delete the club.",
            code="last_admin",
        )


def check_visibility(visibility: Visibility, as_club: bool) -> None:
    """Members-only rooms and events are a club's."""
    if visibility is Visibility.MEMBERS and not as_club:
        raise BadRequest(
            "Only a club's room can be for members only: pick the club.",
            code="members_only_needs_club",
            field="visibility",
        )


def room_role(role: ClubRole | None) -> bool:
    """True when this member is a moderator in every room of their club."""
    return role is not None and role.rank >= M.rank


def deleted(club: Club, now: datetime) -> Club:
    return replace(club, deleted_at=now, invite_nonce="")


# Which Apple Podcasts category a club's show is in, from its topic.
SHOW_CATEGORY = {
    Topic.SPORTS: "Sports",
    Topic.MUSIC: "Music",
    Topic.CULTURE: "Society & Culture",
    Topic.TECH: "Technology",
    Topic.NEWS: "News",
    Topic.COMEDY: "Comedy",
    Topic.OTHER: "Society & Culture",
}
