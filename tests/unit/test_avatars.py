from __future__ import annotations

from roomcast.domain.avatars import HUES, hue, initials


def test_initials() -> None:
    assert initials("Grace Hopper") == "GH"
    assert initials("ada") == "A"
    assert initials("Jean  Luc Picard") == "JP"
    assert initials("   ") == "?"
    assert initials("élodie durand") == "ÉD"


def test_hue_is_stable_and_in_range() -> None:
    # the same value static/js/ui.js computes: (h * 31 + code point) % 1000003, then % 12
    assert hue("alice") == hue("alice")
    assert all(0 <= hue(n) < HUES for n in ("a", "bob", "carol_99", "Ω"))
    assert len({hue(f"user{i}") for i in range(100)}) == HUES
