"""What the control plane tells the media plane, as typed values that can cross a process
boundary (JSON with a type tag). Applied idempotently: each says a state, not a step.

`connect` is not among them: an SDP offer needs its answer back on the same HTTP call, so it
stays a request/reply on the `MediaEngine` interface.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SetCanSpeak:
    """This peer's microphone reaches the mix, or not: the stored stage state."""

    room_id: str
    peer_id: str
    can_speak: bool


@dataclass(frozen=True, slots=True)
class Drop:
    """This peer is gone from the room (left, removed): close its connection."""

    room_id: str
    peer_id: str


@dataclass(frozen=True, slots=True)
class CloseRoom:
    room_id: str


@dataclass(frozen=True, slots=True)
class Record:
    """Record the room's mix into `folder` (continuing what is there), or stop (None)."""

    room_id: str
    folder: str | None


@dataclass(frozen=True, slots=True)
class Mark:
    """A new topic starts now in the room's recording (nothing when not recording)."""

    room_id: str
    topic: str


@dataclass(frozen=True, slots=True)
class SetAudio:
    """The room's audio is coded for speech, or for music (media/profile.py)."""

    room_id: str
    music: bool


MediaCommand = SetCanSpeak | Drop | CloseRoom | Record | Mark | SetAudio

_KINDS: dict[str, type[MediaCommand]] = {
    "set_can_speak": SetCanSpeak,
    "drop": Drop,
    "close_room": CloseRoom,
    "record": Record,
    "mark": Mark,
    "set_audio": SetAudio,
}
_NAMES = {kind: name for name, kind in _KINDS.items()}


def encode(command: MediaCommand) -> str:
    return json.dumps({"op": _NAMES[type(command)], **asdict(command)})


def decode(text: str) -> MediaCommand:
    """A command from `encode`; ValueError for anything else."""
    try:
        data: dict[str, Any] = json.loads(text)
        kind = _KINDS[data.pop("op")]
        return kind(**data)
    except (KeyError, TypeError, json.JSONDecodeError, AttributeError) as e:
        raise ValueError(f"not a media command: {text[:200]!r}") from e
