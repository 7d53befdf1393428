"""Accounts over the real HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from roomcast.store.tables import UserRow
from tests.live_server import Client, LiveServer, run_server


async def test_signup_login_me_logout(server: LiveServer) -> None:
    async with Client(server) as alice:
        body = await alice.signup("Alice_1", display_name="Alice Liddell")
        assert body["user"]["username"] == "alice_1"
        assert body["user"]["display_name"] == "Alice Liddell"
        cookie = alice.http.cookies.get("rc_session")
        assert cookie and len(cookie) >= 40
        me = await alice.get("/api/me")
        assert me.status_code == 200 and me.json()["username"] == "alice_1"

        r = await alice.post("/api/auth/logout")
        assert r.status_code == 200
        assert (await alice.get("/api/me")).status_code == 401
    # the old cookie no longer works anywhere: the session was deleted server-side
    async with Client(server) as thief:
        thief.http.cookies.set("rc_session", cookie)
        assert (await thief.get("/api/me")).status_code == 401

    async with Client(server) as again:
        r = await again.post(
            "/api/auth/login", {"username": "ALICE_1", "password": "correct horse"}
        )
        assert r.status_code == 200, r.text
        assert (await again.get("/api/me")).json()["display_name"] == "Alice Liddell"


async def test_session_cookie_flags(server: LiveServer) -> None:
    async with Client(server) as c:
        r = await c.post("/api/auth/signup", {"username": "flags", "password": "long enough"})
        cookies = r.headers.get_list("set-cookie")
        session = next(p for p in cookies if p.startswith("rc_session="))
        assert "HttpOnly" in session and "SameSite=lax" in session
        assert "httponly" not in next(p for p in cookies if p.startswith("rc_csrf=")).lower()


async def test_wrong_password_and_unknown_user(server: LiveServer) -> None:
    async with Client(server) as c:
        await c.signup("bob")
        for creds in (
            {"username": "bob", "password": "wrong password"},
            {"username": "nobody", "password": "whatever1"},
        ):
            r = await c.post("/api/auth/login", creds)
            assert r.status_code == 401
            assert r.json()["error"]["code"] == "bad_credentials"


async def test_duplicate_username(server: LiveServer) -> None:
    async with Client(server) as a, Client(server) as b:
        await a.signup("carol")
        r = await b.post("/api/auth/signup", {"username": "Carol", "password": "another one"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "username_taken"


async def test_signup_bad_input_is_422_and_stores_nothing(server: LiveServer) -> None:
    cases = [
        {"username": "ab", "password": "long enough"},  # too short
        {"username": "x" * 21, "password": "long enough"},  # too long
        {"username": "bad name", "password": "long enough"},  # space
        {"username": "<script>", "password": "long enough"},
        {"username": "dave", "password": "short"},
        {"username": "dave", "password": "p" * 257},
        {"username": "dave", "password": "long enough", "display_name": "d" * 65},
        {"username": "dave", "password": "long enough", "display_name": "bell\x07"},
        {"username": "dave", "password": "long enough", "is_admin": True},  # unknown field
        {"username": "dave"},
        [],
        "not an object",
    ]
    async with Client(server) as c:
        for body in cases:
            r = await c.post("/api/auth/signup", body)
            assert r.status_code == 422, (body, r.text)
            err = r.json()["error"]
            assert err["code"] == "invalid_request" and err["message"]
        r = await c.post(
            "/api/auth/signup", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert r.status_code == 422
        r = await c.post("/api/auth/login", {"username": "dave", "password": "long enough"})
        assert r.status_code == 401  # nothing was created


async def test_csrf_required_on_every_state_change(server: LiveServer) -> None:
    async with Client(server) as c:
        await c.signup("erin")
        good = c.http.cookies.get("rc_csrf")
        plain = httpx.AsyncClient(base_url=server.url, cookies=c.http.cookies)
        try:
            for headers in ({}, {"x-csrf-token": "forged.token"}, {"x-csrf-token": good + "x"}):
                r = await plain.post("/api/rooms", json={"title": "Sneaky"}, headers=headers)
                assert r.status_code == 403, r.text
                assert r.json()["error"]["code"] == "csrf_failed"
            # a token minted for another session (here: anonymous) is refused even if echoed
            async with Client(server) as other:
                anon = other.http.cookies.get("rc_csrf")
            plain.cookies.set("rc_csrf", anon)
            r = await plain.post(
                "/api/rooms", json={"title": "Sneaky"}, headers={"x-csrf-token": anon}
            )
            assert r.status_code == 403
        finally:
            await plain.aclose()
        rooms = (await c.get("/api/rooms")).json()["rooms"]
        assert rooms == []  # nothing was created


async def test_change_password_signs_out_other_sessions(server: LiveServer) -> None:
    async with Client(server) as phone, Client(server) as laptop:
        await phone.signup("frank", "first password")
        r = await laptop.post(
            "/api/auth/login", {"username": "frank", "password": "first password"}
        )
        assert r.status_code == 200
        r = await phone.post(
            "/api/auth/password",
            {"current_password": "not it at all", "new_password": "second password"},
        )
        assert r.status_code == 401
        r = await phone.post(
            "/api/auth/password", {"current_password": "first password", "new_password": "short"}
        )
        assert r.status_code == 422
        r = await phone.post(
            "/api/auth/password",
            {"current_password": "first password", "new_password": "second password"},
        )
        assert r.status_code == 200, r.text
        assert (await phone.get("/api/me")).status_code == 200
        assert (await laptop.get("/api/me")).status_code == 401
        r = await laptop.post(
            "/api/auth/login", {"username": "frank", "password": "first password"}
        )
        assert r.status_code == 401
        r = await laptop.post(
            "/api/auth/login", {"username": "frank", "password": "second password"}
        )
        assert r.status_code == 200


async def test_profile_edit_and_public_view(server: LiveServer) -> None:
    async with Client(server) as c:
        await c.signup("grace")
        r = await c.patch("/api/me", {"display_name": "Grace Hopper", "bio": "Compilers.\nNavy."})
        assert r.status_code == 200 and r.json()["display_name"] == "Grace Hopper"
        for bad in (
            {"display_name": ""},
            {"display_name": "   "},
            {"display_name": "g" * 65},
            {"display_name": "Grace", "bio": "b" * 301},
            {"display_name": "two\nlines"},
        ):
            assert (await c.patch("/api/me", bad)).status_code == 422
        pub = await c.get("/api/users/GRACE")
        assert pub.status_code == 200
        assert pub.json() == {
            "username": "grace",
            "display_name": "Grace Hopper",
            "bio": "Compilers.\nNavy.",
            "created_at": pub.json()["created_at"],
        }
        assert (await c.get("/api/users/nobody_here")).status_code == 404
        assert (await c.get("/api/users/bad%20name")).status_code == 422
        page = await c.get("/u/grace")
        assert page.status_code == 200 and "Grace Hopper" in page.text


async def test_login_flood_is_rate_limited(server: LiveServer) -> None:
    async with Client(server) as c:
        await c.signup("heidi")  # 1 attempt of the burst of 5 from this address
        codes = []
        for _ in range(8):
            r = await c.post("/api/auth/login", {"username": "heidi", "password": "wrong guess"})
            codes.append(r.status_code)
        assert codes[:4] == [401] * 4
        assert set(codes[4:]) == {429}
        assert int(r.headers["retry-after"]) >= 1
        assert r.json()["error"]["retry_after"] >= 1
        assert (await c.get("/api/me")).status_code == 200  # the signed-in session still works


async def test_expired_session_is_refused(server: LiveServer) -> None:
    async with Client(server) as c:
        await c.signup("ivan")
        assert (await c.get("/api/me")).status_code == 200
        real_clock = server.ctx.clock
        server.ctx.clock = lambda: real_clock() + timedelta(days=31)
        try:
            r = await c.get("/api/me")
            assert r.status_code == 401 and r.json()["error"]["code"] == "not_signed_in"
        finally:
            server.ctx.clock = real_clock


async def test_oversize_body_is_413(server: LiveServer) -> None:
    async with Client(server) as c:
        r = await c.post(
            "/api/auth/signup",
            content=b"{" + b" " * 70_000 + b"}",
            headers={"content-type": "application/json"},
        )
        assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


async def test_unknown_paths_and_methods_are_json_4xx(server: LiveServer) -> None:
    async with Client(server) as c:
        r = await c.get("/api/nope")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
        r = await c.http.put("/api/rooms", headers={"x-csrf-token": c.http.cookies["rc_csrf"]})
        assert r.status_code == 405
        assert (await c.get("/healthz")).json()["status"] == "ok"
        spec = (await c.get("/openapi.json")).json()
        for path in (
            "/api/auth/signup",
            "/api/auth/login",
            "/api/rooms",
            "/api/rooms/{room_id}/end",
        ):
            assert path in spec["paths"]


async def test_strangers_cannot_lock_an_account(server: LiveServer) -> None:
    """Wrong passwords from other addresses slow the owner down but never lock them out;
    one address guessing is stopped."""
    async with Client(server) as owner, Client(server) as other:
        await owner.signup("judy")
        await other.signup("judith")
    for i in range(9):
        async with Client(server) as stranger:
            r = await stranger.post(
                "/api/auth/login",
                {"username": "judy", "password": "a wrong guess"},
                headers={"x-forwarded-for": f"203.0.113.{i + 1}"},
            )
            assert r.status_code == 401
    async with Client(server) as owner:
        r = await owner.post(
            "/api/auth/login",
            {"username": "judy", "password": "correct horse"},
            headers={"x-forwarded-for": "198.51.100.7"},
        )
        assert r.status_code == 200, r.text
    async with Client(server) as guesser:  # one address, many guesses: refused
        codes = [
            (
                await guesser.post(
                    "/api/auth/login",
                    {"username": "judith", "password": f"guess {i}"},
                    headers={"x-forwarded-for": "192.0.2.50"},
                )
            ).status_code
            for i in range(8)
        ]
        assert 429 in codes and codes[0] == 401


async def test_names_people_can_trust(server: LiveServer) -> None:
    async with Client(server) as c:
        await c.signup("trusty")
        for bad in (
            "\u202eredro",  # right-to-left override
            "a\u200bb",  # zero-width space
            "\u3164",  # Hangul filler: an invisible name
            "x\u2066y\u2069",  # an isolate
            "\u200f",
            "bell\x07",
            "nonchar\uffff",
            "   ",
        ):
            r = await c.patch("/api/me", {"display_name": bad})
            assert r.status_code == 422, (bad, r.text)
        r = await c.http.patch(
            "/api/me",
            content=b'{"display_name": "lone \\ud800 surrogate"}',
            headers={"x-csrf-token": c.http.cookies["rc_csrf"], "content-type": "application/json"},
        )
        assert r.status_code == 422
        r = await c.patch("/api/me", {"display_name": "\uff21\uff4e\uff4e"})  # fullwidth
        assert r.status_code == 200 and r.json()["display_name"] == "Ann"  # NFKC
        for fine in ("👩\u200d💻 Dev", "Zoë", "مریم\u200cجان", "李小龍", "❤\ufe0f Love"):
            r = await c.patch("/api/me", {"display_name": fine})
            assert r.status_code == 200 and r.json()["display_name"] == fine, (fine, r.text)


async def test_api_docs_are_same_origin_under_the_csp(server: LiveServer) -> None:
    async with Client(server) as c:
        r = await c.get("/docs")
        assert r.status_code == 200
        csp = r.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "default-src 'self'" in csp
        assert "cdn." not in r.text and "<script>" not in r.text  # nothing inline or remote
        for src in ("/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/js/docs.js"):
            assert src in r.text
            assert (await c.get(src)).status_code == 200


async def test_passwords_are_argon2id_and_rehashed_when_the_cost_is_raised(
    tmp_path: Path, database_url: str
) -> None:
    """Stored hashes carry their own cost; a server set to a higher one upgrades a person's
    hash when they next sign in, and the old password keeps working throughout."""
    async with run_server(tmp_path / "data", database_url) as cheap, Client(cheap) as c:
        await c.signup("hasher")
        assert (await stored_hash(cheap, "hasher")).startswith("$argon2id$v=19$m=19456,t=2,")
    raised = {"password_hash_memory_kib": 65536, "password_hash_time_cost": 3}
    async with run_server(tmp_path / "data", database_url, **raised) as full, Client(full) as c:
        r = await c.post("/api/auth/login", {"username": "hasher", "password": "correct horse"})
        assert r.status_code == 200, r.text
        assert (await stored_hash(full, "hasher")).startswith("$argon2id$v=19$m=65536,t=3,")
        r = await c.post("/api/auth/login", {"username": "hasher", "password": "wrong horse"})
        assert r.status_code == 401


async def stored_hash(server: LiveServer, username: str) -> str:
    async with server.ctx.store.unit_of_work() as uow:
        found = await uow.session.scalar(
            select(UserRow.password_hash).where(UserRow.username == username)
        )
    assert isinstance(found, str)
    return found
