from __future__ import annotations

import pytest

from roomcast.domain.model import Role
from roomcast.domain.stage import Action, Actor, can
from roomcast.errors import Forbidden


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", [*Role, None])
def test_permission_matrix(action: Action, role: Role | None) -> None:
    expected = {
        Action.LISTEN: role is not None,
        Action.END_ROOM: role is Role.HOST,
        Action.EDIT_ROOM: role is Role.HOST,
        Action.BRING_TO_STAGE: role is Role.HOST,
        Action.MOVE_TO_AUDIENCE: role is Role.HOST,
        Action.STEP_DOWN: role is Role.SPEAKER,
        Action.MUTE_SELF: role in (Role.HOST, Role.SPEAKER),
    }[action]
    verdict = can(Actor(role=role), action)
    assert verdict.allowed is expected
    if expected:
        verdict.check()
    else:
        assert verdict.reason
        with pytest.raises(Forbidden):
            verdict.check()


def test_admins_may_end_any_room_but_not_edit_it() -> None:
    assert can(Actor(role=None, is_admin=True), Action.END_ROOM).allowed
    assert not can(Actor(role=Role.LISTENER, is_admin=True), Action.EDIT_ROOM).allowed


def test_reason_names_who_may() -> None:
    assert can(Actor(role=Role.LISTENER), Action.END_ROOM).reason == "Only the host may end room."
