"""Initials avatars: the same rules as static/js/ui.js, so server and client pages agree."""

from __future__ import annotations

HUES = 12


def initials(name: str) -> str:
    words = name.split()
    if not words:
        return "?"
    picked = [words[0], words[-1]] if len(words) > 1 else [words[0]]
    return "".join(w[0] for w in picked).upper()


def hue(username: str) -> int:
    h = 0
    for ch in username:
        h = (h * 31 + ord(ch)) % 1000003
    return h % HUES
