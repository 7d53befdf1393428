"""CSRF tokens: signed double-submit cookies bound to the session (OWASP's recommendation).

The token is ``nonce.signature`` where the signature is an HMAC over the nonce and a hash of
the session cookie. The browser sends it back in the ``X-CSRF-Token`` header; another site can
neither read the cookie nor forge a signature, and a token stops working when the session
changes (log in, log out).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE = "rc_csrf"
HEADER = "x-csrf-token"


def _binding(session_token: str | None) -> bytes:
    return hashlib.sha256((session_token or "").encode()).digest()


def _sign(secret: bytes, nonce: str, session_token: str | None) -> str:
    mac = hmac.new(secret, nonce.encode() + b"|" + _binding(session_token), hashlib.sha256)
    return mac.hexdigest()


def new_token(secret: bytes, session_token: str | None) -> str:
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(secret, nonce, session_token)}"


def valid(secret: bytes, token: str | None, session_token: str | None) -> bool:
    if not token or token.count(".") != 1 or len(token) > 200:
        return False
    nonce, signature = token.split(".")
    return hmac.compare_digest(signature, _sign(secret, nonce, session_token))
