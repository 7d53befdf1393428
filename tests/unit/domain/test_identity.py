"""Participant keys and device ids: opaque, per room, stable for one browser."""

from __future__ import annotations

from roomcast.domain.identity import device_id, guest_key, user_key
from roomcast.domain.model import UserId

SECRET = b"s" * 32


def test_guest_keys_are_opaque_and_per_room() -> None:
    token = "abcdefghijkl"
    one, two = guest_key(SECRET, "room1", token), guest_key(SECRET, "room2", token)
    assert one.startswith("g") and len(one) == 17 and token not in one
    assert one != two  # nobody follows a guest from room to room
    assert guest_key(SECRET, "room1", token) == one  # the same browser comes back as itself
    assert guest_key(b"t" * 32, "room1", token) != one  # another server's secret: another key
    assert guest_key(SECRET, "room1", one[1:]) != one  # a key replayed as a token is not it


def test_device_ids_are_stable_and_private() -> None:
    assert device_id(SECRET, "tok") == device_id(SECRET, "tok") != device_id(SECRET, "tok2")
    assert "tok" not in device_id(SECRET, "tok") and len(device_id(SECRET, "tok")) == 32
    assert user_key(UserId(7)) == "u7"
