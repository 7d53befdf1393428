"""The permission matrix: every action × every actor role × every target, and standing."""

from __future__ import annotations

import itertools

import pytest

from roomcast.domain.model import Role
from roomcast.domain.permissions import Action, Actor, can, can_enter
from roomcast.errors import Forbidden

H, M, S, L = Role.HOST, Role.MODERATOR, Role.SPEAKER, Role.LISTENER
ROLES: list[Role | None] = [H, M, S, L, None]
SELF = None  # an action on oneself has no target role

# Written out by hand from the rules (not derived from stage.RULES), as
# {action: {(actor, target), ...}}: everything not listed is refused.
EXPECTED: dict[Action, set[tuple[Role, Role | None]]] = {
    Action.LISTEN: {(H, SELF), (M, SELF), (S, SELF), (L, SELF)},
    Action.END_ROOM: {(H, SELF)},
    Action.EDIT_ROOM: {(H, SELF)},
    Action.RAISE_HAND: {(L, SELF)},
    Action.INVITE_TO_SPEAK: {(H, L), (M, L)},
    Action.DISMISS_HAND: {(H, L), (M, L)},
    Action.ANSWER_INVITE: {(L, SELF)},
    Action.MOVE_TO_AUDIENCE: {(H, M), (H, S), (M, S)},
    Action.STEP_DOWN: {(M, SELF), (S, SELF)},
    Action.MUTE_SELF: {(H, SELF), (M, SELF), (S, SELF)},
    Action.MUTE_OTHER: {(H, M), (H, S), (M, S)},
    Action.MAKE_MODERATOR: {(H, S), (H, L)},
    Action.UNMAKE_MODERATOR: {(H, M)},
    Action.MAKE_HOST: {(H, M), (H, S)},
    Action.REMOVE: {(H, M), (H, S), (H, L), (M, S), (M, L)},
    Action.BAN: {(H, M), (H, S), (H, L), (M, S), (M, L)},
    Action.CHAT: {(H, SELF), (M, SELF), (S, SELF), (L, SELF)},
    Action.REACT: {(H, SELF), (M, SELF), (S, SELF), (L, SELF)},
    Action.DELETE_MESSAGE: {(H, SELF), (M, SELF)},
    Action.PIN_LINK: {(H, SELF)},
    Action.SET_CHAPTER: {(H, SELF), (M, SELF)},
    Action.ASK: {(H, SELF), (M, SELF), (S, SELF), (L, SELF)},
    Action.ANSWER_QUESTION: {(H, SELF), (M, SELF)},
    Action.RUN_POLL: {(H, SELF), (M, SELF)},
    Action.VOTE: {(H, SELF), (M, SELF), (S, SELF), (L, SELF)},
    Action.TIME_TURN: {(H, H), (H, M), (H, S), (M, H), (M, M), (M, S)},
}


def test_every_action_has_expectations() -> None:
    assert set(EXPECTED) == set(Action)


@pytest.mark.parametrize("action", list(Action))
def test_matrix(action: Action) -> None:
    for actor, target in itertools.product(ROLES, ROLES):
        verdict = can(Actor(actor), action, target)
        expected = actor is not None and (actor, target) in EXPECTED[action]
        assert verdict.allowed is expected, (action, actor, target, verdict.reason)
        if not expected:
            assert verdict.reason  # a clear reason, sent to the client as a 403
            with pytest.raises(Forbidden):
                verdict.check()


@pytest.mark.parametrize("standing", ["is_guest", "suspended", "banned", "blocked_by_host"])
def test_standing_refuses_everything_but_a_guest_listening(standing: str) -> None:
    for action, (actor, target) in itertools.product(Action, itertools.product(ROLES, ROLES)):
        verdict = can(Actor(actor, **{standing: True}), action, target)
        allowed = standing == "is_guest" and action is Action.LISTEN and actor and target is None
        assert verdict.allowed is bool(allowed), (standing, action, actor, target)
    assert can_enter(Actor(None, **{standing: True})).allowed is (standing == "is_guest")


def test_admins_may_end_any_room_but_not_moderate_it() -> None:
    assert can(Actor(None, is_admin=True), Action.END_ROOM).allowed
    assert not can(Actor(L, is_admin=True), Action.REMOVE, S).allowed


def test_reasons_say_who_may() -> None:
    assert can(Actor(L), Action.END_ROOM).reason == "Only the host may end room."
    assert can(Actor(M), Action.MOVE_TO_AUDIENCE, M).reason == (
        "A moderator may not move to audience a moderator."
    )
    assert "yourself" in can(Actor(L), Action.RAISE_HAND, S).reason


def test_the_table_clients_get_is_the_rules() -> None:
    from roomcast.domain.permissions import table

    rules = table()
    for action, expected in EXPECTED.items():
        for actor, target in itertools.product([H, M, S, L], ROLES):
            by_role = rules[action.value]
            if actor.value not in by_role:
                allowed = False
            elif by_role[actor.value] is None:
                allowed = target is None
            else:
                allowed = target is not None and target.value in (by_role[actor.value] or [])
            assert allowed is ((actor, target) in expected), (action, actor, target)
