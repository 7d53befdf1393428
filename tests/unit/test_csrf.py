from __future__ import annotations

from roomcast.web import csrf

SECRET = b"s" * 32


def test_token_is_bound_to_session() -> None:
    token = csrf.new_token(SECRET, "session-a")
    assert csrf.valid(SECRET, token, "session-a")
    assert not csrf.valid(SECRET, token, "session-b")
    assert not csrf.valid(SECRET, token, None)
    assert not csrf.valid(b"t" * 32, token, "session-a")


def test_malformed_tokens() -> None:
    for bad in (None, "", "nodot", "a.b.c", "x" * 300, "abc.def"):
        assert not csrf.valid(SECRET, bad, None)
