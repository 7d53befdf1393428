"""Who may do what in a room: one table of rules, used by the API, the WebSocket and media.

`can(actor, action, target)` answers allowed or a reason, over the actor's role and standing
and, for actions on someone else, the target's role. Callers never re-implement a rule.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from roomcast.domain.model import Role
from roomcast.errors import Forbidden

H, M, S, L = Role.HOST, Role.MODERATOR, Role.SPEAKER, Role.LISTENER


class Action(enum.StrEnum):
    LISTEN = "listen"
    END_ROOM = "end_room"
    EDIT_ROOM = "edit_room"  # title, settings
    RAISE_HAND = "raise_hand"  # and lower it
    INVITE_TO_SPEAK = "invite_to_speak"  # someone in the audience; they accept or decline
    DISMISS_HAND = "dismiss_hand"  # lower someone's raised hand: "not now"
    ANSWER_INVITE = "answer_invite"
    MOVE_TO_AUDIENCE = "move_to_audience"  # someone else, off the stage
    STEP_DOWN = "step_down"  # oneself, off the stage
    MUTE_SELF = "mute_self"  # and unmute, unless a moderator muted you
    MUTE_OTHER = "mute_other"  # and allow them to unmute again
    MAKE_MODERATOR = "make_moderator"
    UNMAKE_MODERATOR = "unmake_moderator"
    MAKE_HOST = "make_host"  # hand the host role on
    REMOVE = "remove"  # out of the room until it ends, role taken away
    BAN = "ban"  # removed, and out of every room of this host until they lift it
    CHAT = "chat"
    REACT = "react"
    DELETE_MESSAGE = "delete_message"  # anyone's (authors may delete their own anyway)
    PIN_LINK = "pin_link"
    SET_CHAPTER = "set_chapter"  # "next topic": a chapter in the recording
    ASK = "ask"  # a question, and upvote others'
    ANSWER_QUESTION = "answer_question"
    RUN_POLL = "run_poll"  # open and close polls
    VOTE = "vote"
    TIME_TURN = "time_turn"  # start or stop a speaking timer for someone on stage


@dataclass(frozen=True, slots=True)
class Rule:
    # for each role that may act: the target roles it may act on (None: acts on itself)
    may: dict[Role, frozenset[Role] | None]

    @staticmethod
    def self_only(*roles: Role) -> Rule:
        return Rule({r: None for r in roles})

    @staticmethod
    def on(targets: dict[Role, frozenset[Role]]) -> Rule:
        return Rule(dict(targets))


RULES: dict[Action, Rule] = {
    Action.LISTEN: Rule.self_only(H, M, S, L),
    Action.END_ROOM: Rule.self_only(H),
    Action.EDIT_ROOM: Rule.self_only(H),
    Action.RAISE_HAND: Rule.self_only(L),
    Action.INVITE_TO_SPEAK: Rule.on({H: frozenset({L}), M: frozenset({L})}),
    Action.DISMISS_HAND: Rule.on({H: frozenset({L}), M: frozenset({L})}),
    Action.ANSWER_INVITE: Rule.self_only(L),
    Action.MOVE_TO_AUDIENCE: Rule.on({H: frozenset({M, S}), M: frozenset({S})}),
    Action.STEP_DOWN: Rule.self_only(M, S),
    Action.MUTE_SELF: Rule.self_only(H, M, S),
    Action.MUTE_OTHER: Rule.on({H: frozenset({M, S}), M: frozenset({S})}),
    Action.MAKE_MODERATOR: Rule.on({H: frozenset({S, L})}),
    Action.UNMAKE_MODERATOR: Rule.on({H: frozenset({M})}),
    Action.MAKE_HOST: Rule.on({H: frozenset({M, S})}),
    Action.REMOVE: Rule.on({H: frozenset({M, S, L}), M: frozenset({S, L})}),
    Action.BAN: Rule.on({H: frozenset({M, S, L}), M: frozenset({S, L})}),
    Action.CHAT: Rule.self_only(H, M, S, L),
    Action.REACT: Rule.self_only(H, M, S, L),
    Action.DELETE_MESSAGE: Rule.self_only(H, M),
    Action.PIN_LINK: Rule.self_only(H),
    Action.SET_CHAPTER: Rule.self_only(H, M),
    Action.ASK: Rule.self_only(H, M, S, L),
    Action.ANSWER_QUESTION: Rule.self_only(H, M),
    Action.RUN_POLL: Rule.self_only(H, M),
    Action.VOTE: Rule.self_only(H, M, S, L),
    Action.TIME_TURN: Rule.on({H: frozenset({H, M, S}), M: frozenset({H, M, S})}),
}

# Admins keep order across the server: they may end any room.
_ADMIN_MAY = frozenset({Action.END_ROOM})


@dataclass(frozen=True, slots=True)
class Actor:
    """Someone as the rules see them: their role here (None: not in the room) and standing.
    Built in one place (actions/standing.py) from what the store knows of them."""

    role: Role | None
    is_admin: bool = False
    is_guest: bool = False
    suspended: bool = False
    removed: bool = False  # from this room, until it ends
    banned: bool = False  # by this room's host: out of all their rooms
    blocked_by_host: bool = False
    # in a club's room: their standing in the club
    club_member: bool = False
    club_moderator: bool = False  # an admin or moderator of the club: moderates its rooms
    club_banned: bool = False
    # in a ticketed room: a valid ticket (paid or comp), or co-hosting its event
    ticket: bool = False
    cohost: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    reason: str = ""
    code: str = "not_allowed"

    def check(self) -> None:
        if not self.allowed:
            raise Forbidden(self.reason, code=self.code)


ALLOWED = Verdict(True)


def can_enter(actor: Actor) -> Verdict:
    """Standing decides who may join at all (visibility is the room's rule, in rooms.py)."""
    if actor.suspended:
        return Verdict(False, "Your account is suspended.", "suspended")
    if actor.banned:
        return Verdict(False, "You were banned from this host's rooms.", "banned")
    if actor.removed:
        return Verdict(False, "You were removed from this room.", "removed")
    if actor.blocked_by_host:
        return Verdict(False, "You cannot join this room.")
    if actor.club_banned:
        return Verdict(False, "You were banned from this club.", "club_banned")
    return ALLOWED


def can(actor: Actor, action: Action, target: Role | None = None) -> Verdict:
    """May `actor` do `action` (to someone whose role is `target`; None: to themself)?"""
    if actor.is_admin and action in _ADMIN_MAY:
        return ALLOWED
    standing = can_enter(actor)
    if not standing.allowed:
        return standing
    if actor.role is None:
        return Verdict(False, "You are not in this room.")
    if actor.is_guest and action is not Action.LISTEN:
        return Verdict(False, "Guests listen only: sign in to take part.")
    rule = RULES[action]
    if actor.role not in rule.may:
        return Verdict(False, f"Only {_who(rule)} may {_verb(action)}.")
    targets = rule.may[actor.role]
    if targets is None:
        if target is None:
            return ALLOWED
        return Verdict(False, f"You may only {_verb(action)} yourself.")
    if target is None:
        return Verdict(False, f"Say whom to {_verb(action)}.")
    if target not in targets:
        return Verdict(False, f"A {actor.role.value} may not {_verb(action)} a {target.value}.")
    return ALLOWED


def table() -> dict[str, dict[str, list[str] | None]]:
    """The rules as data, for clients to show only what someone may do (the server still
    decides): {action: {role: [target roles] or None (on oneself)}}. Guests only listen."""
    return {
        action.value: {
            role.value: None if targets is None else sorted(t.value for t in targets)
            for role, targets in rule.may.items()
        }
        for action, rule in RULES.items()
    }


def _verb(action: Action) -> str:
    return action.value.replace("_", " ")


def _who(rule: Rule) -> str:
    names = {H: "the host", M: "moderators", S: "speakers", L: "listeners"}
    return " or ".join(names[r] for r in (H, M, S, L) if r in rule.may)
