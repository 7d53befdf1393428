"""Signed tokens for links that must work without a session: confirming an email address,
one-click unsubscribe, a private calendar URL. An HMAC of a purpose and some values, so a
link made for one purpose is worthless for another, and nothing needs storing to check it
(a calendar's nonce, stored, is what revokes its link)."""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(secret: bytes, purpose: str, *parts: str) -> str:
    message = "\0".join((purpose, *parts)).encode()
    mac = hmac.new(secret, message, hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def check(secret: bytes, token: str, purpose: str, *parts: str) -> bool:
    if not token or len(token) > 64:
        return False
    return hmac.compare_digest(token, sign(secret, purpose, *parts))
