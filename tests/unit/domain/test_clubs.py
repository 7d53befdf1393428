"""Club rules as tables: who may do what, joining, handles, the last admin."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from roomcast.domain import clubs
from roomcast.domain.clubs import (
    OUTSIDER,
    Club,
    ClubAction,
    ClubRole,
    HostPolicy,
    Joined,
    JoinPolicy,
)
from roomcast.domain.model import Topic, UserId, Visibility
from roomcast.errors import BadRequest, Conflict, Forbidden

T0 = datetime(2026, 12, 1, 12, tzinfo=UTC)
A, M, P = ClubRole.ADMIN, ClubRole.MODERATOR, ClubRole.MEMBER


def club(**kw: object) -> Club:
    base = Club(
        id=1,
        handle="runners",
        name="Runners",
        description="",
        topic=Topic.SPORTS,
        language="en",
        join=JoinPolicy.OPEN,
        hosting=HostPolicy.MODERATORS,
        created_by=UserId(1),
        created_at=T0,
        updated_at=T0,
        invite_nonce="n",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("role", "action", "target", "allowed"),
    [
        (A, ClubAction.EDIT, None, True),
        (M, ClubAction.EDIT, None, False),
        (P, ClubAction.EDIT, None, False),
        (None, ClubAction.EDIT, None, False),
        (A, ClubAction.DELETE, None, True),
        (M, ClubAction.DELETE, None, False),
        (A, ClubAction.SET_ROLE, P, True),
        (A, ClubAction.SET_ROLE, A, True),  # another admin (the last one is kept elsewhere)
        (M, ClubAction.SET_ROLE, P, False),
        (A, ClubAction.APPROVE, None, True),
        (M, ClubAction.APPROVE, None, True),
        (P, ClubAction.APPROVE, None, False),
        (M, ClubAction.INVITE, None, True),
        (P, ClubAction.INVITE, None, False),
        (A, ClubAction.REMOVE, M, True),
        (A, ClubAction.REMOVE, A, False),  # admins hand on, never push out each other
        (M, ClubAction.REMOVE, P, True),
        (M, ClubAction.REMOVE, M, False),
        (P, ClubAction.REMOVE, P, False),
        (A, ClubAction.BAN, OUTSIDER, True),  # someone who is not a member yet
        (M, ClubAction.BAN, P, True),
        (M, ClubAction.BAN, M, False),
        (A, ClubAction.BAN, A, False),
        (A, ClubAction.BAN, None, False),  # say whom
        (A, ClubAction.HOST, None, True),
        (M, ClubAction.HOST, None, True),
        (P, ClubAction.HOST, None, False),
        (None, ClubAction.HOST, None, False),
        (M, ClubAction.MODERATE_ROOMS, None, True),
        (P, ClubAction.MODERATE_ROOMS, None, False),
    ],
)
def test_who_may_do_what(
    role: ClubRole | None, action: ClubAction, target: ClubRole | None, allowed: bool
) -> None:
    verdict = clubs.can(club(), role, action, target)
    assert verdict.allowed is allowed
    assert verdict.allowed or verdict.reason


def test_members_host_where_the_club_allows() -> None:
    assert clubs.can(club(hosting=HostPolicy.MEMBERS), P, ClubAction.HOST).allowed
    assert not clubs.can(club(hosting=HostPolicy.MEMBERS), None, ClubAction.HOST).allowed


def test_a_deleted_club_allows_nothing() -> None:
    gone = clubs.deleted(club(), T0)
    assert gone.deleted and gone.invite_nonce == ""
    for action in ClubAction:
        assert clubs.can(gone, A, action, P).code == "club_deleted"
    with pytest.raises(Forbidden):
        clubs.join(gone, None, banned=False, invited=True)


@pytest.mark.parametrize(
    ("policy", "role", "banned", "invited", "outcome"),
    [
        (JoinPolicy.OPEN, None, False, False, Joined.MEMBER),
        (JoinPolicy.APPROVAL, None, False, False, Joined.REQUESTED),
        (JoinPolicy.APPROVAL, None, False, True, Joined.MEMBER),  # an invite link
        (JoinPolicy.APPROVAL, P, False, False, Joined.MEMBER),  # already in: no change
        (JoinPolicy.OPEN, None, True, False, None),
        (JoinPolicy.APPROVAL, None, True, True, None),  # a ban beats an invite
    ],
)
def test_joining(
    policy: JoinPolicy,
    role: ClubRole | None,
    banned: bool,
    invited: bool,
    outcome: Joined | None,
) -> None:
    if outcome is None:
        with pytest.raises(Forbidden) as refused:
            clubs.join(club(join=policy), role, banned, invited)
        assert refused.value.code == "club_banned"
    else:
        assert clubs.join(club(join=policy), role, banned, invited) is outcome


def test_handles() -> None:
    assert clubs.check_handle("  Runners ") == "runners"
    for bad in ("ab", "a" * 25, "run ners", "ｒunners", "run-ners", "ruñners", ""):
        with pytest.raises(BadRequest):
            clubs.check_handle(bad)
    with pytest.raises(Conflict):
        clubs.check_handle("admin")
    # look-alikes share a key: the store keeps the key unique
    assert clubs.handle_key("c1ub") == clubs.handle_key("club") == clubs.handle_key("CLUB")
    assert clubs.handle_key("rn_club") == clubs.handle_key("m_club")
    assert clubs.handle_key("club0") == clubs.handle_key("clubo")
    assert clubs.handle_key("runners") != clubs.handle_key("runner")


def test_the_last_admin_stays() -> None:
    with pytest.raises(Conflict):
        clubs.check_admins_remain(1, A, None)  # leave
    with pytest.raises(Conflict):
        clubs.check_admins_remain(1, A, M)  # step down
    clubs.check_admins_remain(2, A, None)
    clubs.check_admins_remain(1, M, None)
    clubs.check_admins_remain(1, A, A)


def test_members_only_needs_a_club() -> None:
    with pytest.raises(BadRequest):
        clubs.check_visibility(Visibility.MEMBERS, as_club=False)
    clubs.check_visibility(Visibility.MEMBERS, as_club=True)
    clubs.check_visibility(Visibility.OPEN, as_club=False)
    assert clubs.room_role(M) and clubs.room_role(A) and not clubs.room_role(P)
    assert not clubs.room_role(None)
