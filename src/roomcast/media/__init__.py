"""The media plane: WebRTC peers, the mixer and the Opus encoder. Knows rooms and peer ids
and a can_speak flag, nothing of users or storage. Media workers import from here."""

from roomcast.media.commands import (
    CloseRoom,
    Drop,
    Mark,
    MediaCommand,
    Record,
    SetAudio,
    SetCanSpeak,
)
from roomcast.media.engine import (
    LocalMediaEngine,
    MediaEngine,
    MediaError,
    RoomStats,
    SessionDescription,
)
from roomcast.media.ice import configure as configure_ice
from roomcast.media.ice import rtc_configuration

__all__ = [
    "CloseRoom",
    "Drop",
    "LocalMediaEngine",
    "Mark",
    "MediaCommand",
    "MediaEngine",
    "MediaError",
    "Record",
    "RoomStats",
    "SetAudio",
    "SetCanSpeak",
    "SessionDescription",
    "configure_ice",
    "rtc_configuration",
]
