"""Who may do what in a room: one table of rules, used by the API, the WebSocket and media.

`can(actor, action)` answers allowed or a reason; callers never re-implement a rule.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from roomcast.domain.model import Role
from roomcast.errors import Forbidden


class Action(enum.StrEnum):
    LISTEN = "listen"
    END_ROOM = "end_room"
    EDIT_ROOM = "edit_room"
    BRING_TO_STAGE = "bring_to_stage"  # someone else, from the audience
    MOVE_TO_AUDIENCE = "move_to_audience"  # someone else, off the stage
    STEP_DOWN = "step_down"  # oneself, off the stage
    MUTE_SELF = "mute_self"  # and unmute


@dataclass(frozen=True, slots=True)
class Actor:
    role: Role | None  # None: not in the room
    is_admin: bool = False
    is_guest: bool = False


_RULES: dict[Action, frozenset[Role]] = {
    Action.LISTEN: frozenset(Role),
    Action.END_ROOM: frozenset({Role.HOST}),
    Action.EDIT_ROOM: frozenset({Role.HOST}),
    Action.BRING_TO_STAGE: frozenset({Role.HOST}),
    Action.MOVE_TO_AUDIENCE: frozenset({Role.HOST}),
    Action.STEP_DOWN: frozenset({Role.SPEAKER}),
    Action.MUTE_SELF: frozenset({Role.HOST, Role.SPEAKER}),
}

_ADMIN_MAY = frozenset({Action.END_ROOM})


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    reason: str = ""

    def check(self) -> None:
        if not self.allowed:
            raise Forbidden(self.reason, code="not_allowed")


def can(actor: Actor, action: Action) -> Verdict:
    if actor.is_admin and action in _ADMIN_MAY:
        return Verdict(True)
    if actor.role is None:
        return Verdict(False, "You are not in this room.")
    if actor.role in _RULES[action]:
        return Verdict(True)
    return Verdict(False, f"Only {_who(action)} may {action.value.replace('_', ' ')}.")


def _who(action: Action) -> str:
    roles = sorted(r.value for r in _RULES[action])
    return " or ".join(f"the {r}" if r == "host" else f"{r}s" for r in roles)
