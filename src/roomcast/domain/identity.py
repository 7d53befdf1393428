"""Who someone is in a room, without giving away who they are elsewhere.

A guest's browser holds a random token (an HttpOnly cookie). Their participant key is an
HMAC of the room and that token under the server's secret: listed in every snapshot, it
says nothing about the token, cannot be replayed as a cookie, and differs from room to room.
The browser's device id, another HMAC of the token, never leaves the server: it lets a
removal or a ban hold when someone signs out and comes back as a guest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from roomcast.domain.model import UserId


def _mac(secret: bytes, *parts: str) -> bytes:
    return hmac.new(secret, "\0".join(parts).encode(), hashlib.sha256).digest()


def user_key(user_id: UserId) -> str:
    return f"u{user_id}"


def guest_key(secret: bytes, room_id: str, token: str) -> str:
    """16 URL-safe characters after "g": 96 bits, opaque and per room."""
    digest = _mac(secret, "guest-key", room_id, token)[:12]
    return "g" + base64.urlsafe_b64encode(digest).decode()


def device_id(secret: bytes, token: str) -> str:
    return _mac(secret, "device", token)[:16].hex()
