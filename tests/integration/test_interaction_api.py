"""Chat, reactions and the pinned link over the real API, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from tests.integration.test_moderation_api import key, room_with
from tests.live_server import LiveServer

EVIL = '<img src=x onerror="alert(1)"> & <b>bold</b> https://example.org/x?a=1&b=2'


async def test_chat_reactions_and_pin(server: LiveServer) -> None:
    room_id, (host, ann, bob) = await room_with(server, "host", "ann", "bob")
    base = f"/api/rooms/{room_id}"
    async with (
        host.live(f"{base}/live") as h,
        ann.live(f"{base}/live") as a,
        bob.live(f"{base}/live") as b,
    ):
        for ws in (h, a, b):
            await ws.recv()
        r = await ann.post(f"{base}/chat", {"text": EVIL})
        assert r.status_code == 201 and r.json()["text"] == EVIL  # stored as text, verbatim
        posted = await b.next_update(lambda u: u["type"] == "chat_posted")
        assert (
            posted["message"]["text"] == EVIL and posted["message"]["author"]["username"] == "ann"
        )
        message_id = r.json()["id"]

        for bad in ({"text": ""}, {"text": "   "}, {"text": "x" * 501}, {"text": "bell\x07"}, {}):
            assert (await ann.post(f"{base}/chat", bad)).status_code == 422

        # only the author, the host or a moderator deletes
        r = await bob.http.delete(
            f"{base}/chat/{message_id}", headers={"x-csrf-token": bob.http.cookies["rc_csrf"]}
        )
        assert r.status_code == 403
        r = await host.http.delete(
            f"{base}/chat/{message_id}", headers={"x-csrf-token": host.http.cookies["rc_csrf"]}
        )
        assert r.status_code == 200
        assert (await b.next_update(lambda u: u["type"] == "chat_deleted"))["id"] == message_id
        snap = (await bob.get(f"/api/rooms/{room_id}")).json()
        assert snap["chat"] == [{**snap["chat"][0], "text": "", "deleted": True}]
        r = await host.http.delete(
            f"{base}/chat/999999", headers={"x-csrf-token": host.http.cookies["rc_csrf"]}
        )
        assert r.status_code == 404

        # a flood is slowed down with a retry time; the others keep chatting
        codes = [(await bob.post(f"{base}/chat", {"text": f"m{i}"})).status_code for i in range(8)]
        assert codes[:5] == [201] * 5 and 429 in codes[5:]
        assert (await ann.post(f"{base}/chat", {"text": "still here"})).status_code == 201

        # reactions: ephemeral, on the room socket, from a fixed set
        assert (await bob.post(f"{base}/reactions", {"emoji": "🔥"})).status_code == 200
        async with asyncio.timeout(5):
            while (msg := await a.recv())["type"] != "reaction":
                pass
        assert msg == {"type": "reaction", "key": key(bob), "emoji": "🔥"}
        assert (await bob.post(f"{base}/reactions", {"emoji": "💩"})).status_code == 400
        assert "reaction" not in str((await bob.get(f"/api/rooms/{room_id}")).json())

        # the pinned link: host only, web links only
        assert (
            await ann.http.put(
                f"{base}/pin",
                json={"url": "https://example.org"},
                headers={"x-csrf-token": ann.http.cookies["rc_csrf"]},
            )
        ).status_code == 403
        for bad in ("javascript:alert(1)", "ftp://x.org/", "not a url", "https://" + "x" * 600):
            r = await host.http.put(
                f"{base}/pin",
                json={"url": bad},
                headers={"x-csrf-token": host.http.cookies["rc_csrf"]},
            )
            assert r.status_code == 422, bad
        r = await host.http.put(
            f"{base}/pin",
            json={"url": "https://example.org/notes"},
            headers={"x-csrf-token": host.http.cookies["rc_csrf"]},
        )
        assert r.status_code == 200
        pinned = await a.next_update(lambda u: u["type"] == "link_pinned")
        assert pinned["url"] == "https://example.org/notes"

        # chat off: refused clearly
        r = await host.http.put(
            f"{base}/settings",
            json={"chat": False},
            headers={"x-csrf-token": host.http.cookies["rc_csrf"]},
        )
        assert r.status_code == 200
        r = await ann.post(f"{base}/chat", {"text": "hello?"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "chat_off"
    async with ann.live(f"{base}/live"):
        pass
    # guests listen only
    from tests.live_server import Client

    async with Client(server) as guest:
        assert (await guest.post(f"{base}/chat", {"text": "hi"})).status_code == 401


async def test_questions_and_polls(server: LiveServer) -> None:
    room_id, (host, ann, bob) = await room_with(server, "hostq", "annq", "bobq")
    base = f"/api/rooms/{room_id}"
    async with (
        host.live(f"{base}/live") as h,
        ann.live(f"{base}/live") as a,
        bob.live(f"{base}/live") as b,
    ):
        for ws in (h, a, b):
            await ws.recv()
        q = (await ann.post(f"{base}/questions", {"text": "What is <jazz>?"})).json()
        assert q["text"] == "What is <jazz>?" and q["voters"] == []
        for bad in ({"text": ""}, {"text": "q" * 301}, {}):
            assert (await ann.post(f"{base}/questions", bad)).status_code == 422
        r = await bob.post(f"{base}/questions/{q['id']}/upvote")
        assert r.status_code == 200 and r.json()["voters"] == [bob.user_id]
        r = await bob.post(f"{base}/questions/{q['id']}/upvote")  # twice: refused
        assert r.status_code == 409 and r.json()["error"]["code"] == "already_voted"
        assert (await bob.post(f"{base}/questions/99999/upvote")).status_code == 404
        r = await bob.post(f"{base}/questions/{q['id']}/answered", {"answered": True})
        assert r.status_code == 403  # listeners do not mark answers
        r = await host.post(f"{base}/questions/{q['id']}/answered", {"answered": True})
        assert r.status_code == 200 and r.json()["answered"] is True
        await a.next_update(lambda u: u["type"] == "question_answered")

        # polls: staff open them; everyone votes once; results live; closed is closed
        poll_body = {"question": "Jazz or punk?", "options": ["Jazz", "Punk", "Both"]}
        assert (await ann.post(f"{base}/polls", poll_body)).status_code == 403
        for bad in (
            {"question": "x", "options": ["one"]},
            {"question": "x", "options": [str(i) for i in range(7)]},
            {"question": "", "options": ["a", "b"]},
            {"question": "x", "options": ["a", ""]},
        ):
            assert (await host.post(f"{base}/polls", bad)).status_code == 422
        r = await host.post(f"{base}/polls", {"question": "x", "options": ["a", "a"]})
        assert r.status_code == 400
        poll = (await host.post(f"{base}/polls", poll_body)).json()
        assert poll["counts"] == [0, 0, 0] and poll["closed"] is False
        r = await ann.post(f"{base}/polls/{poll['id']}/vote", {"option": 1})
        assert r.status_code == 200 and r.json()["counts"] == [0, 1, 0]
        assert (await ann.post(f"{base}/polls/{poll['id']}/vote", {"option": 0})).status_code == 409
        assert (await bob.post(f"{base}/polls/{poll['id']}/vote", {"option": 5})).status_code == 400
        assert (
            await bob.post(f"{base}/polls/{poll['id']}/vote", {"option": -1})
        ).status_code == 422
        assert (await bob.post(f"{base}/polls/{poll['id']}/vote", {"option": 1})).status_code == 200
        voted = await h.next_update(lambda u: u["type"] == "poll_voted" and sum(u["counts"]) == 2)
        assert voted["counts"] == [0, 2, 0]
        assert (await bob.post(f"{base}/polls/{poll['id']}/close")).status_code == 403
        r = await host.post(f"{base}/polls/{poll['id']}/close")
        assert r.status_code == 200 and r.json()["counts"] == [0, 2, 0] and r.json()["closed"]
        r = await host.post(f"{base}/polls/{poll['id']}/vote", {"option": 0})
        assert r.status_code == 409 and r.json()["error"]["code"] == "poll_closed"
        snap = (await host.get(f"/api/rooms/{room_id}")).json()
        assert snap["polls"][0]["counts"] == [0, 2, 0] and snap["questions"][0]["answered"]


async def test_poll_votes_are_secret(server: LiveServer) -> None:
    """Counts are public; who chose what is theirs alone, on every socket and snapshot."""
    from tests.integration.test_guests import as_guest
    from tests.live_server import Client

    room_id, (host, ann, bob) = await room_with(server, "hosts2", "anns2", "bobs2")
    base = f"/api/rooms/{room_id}"
    async with Client(server) as guest:
        await as_guest(guest, room_id)
        async with (
            host.live(f"{base}/live") as h,
            ann.live(f"{base}/live") as a,
            bob.live(f"{base}/live") as b,
            guest.live(f"{base}/live") as g,
        ):
            for ws in (h, a, b, g):
                await ws.recv()
            poll = (
                await host.post(f"{base}/polls", {"question": "A?", "options": ["A", "B"]})
            ).json()
            assert "voters" not in poll and poll["mine"] is None
            r = await bob.post(f"{base}/polls/{poll['id']}/vote", {"option": 1})
            assert r.status_code == 200 and r.json()["mine"] == 1 and r.json()["counts"] == [0, 1]
            for ws in (h, a, g):
                u = await ws.next_update(lambda u: u["type"] == "poll_voted")
                assert u == {"type": "poll_voted", "id": poll["id"], "counts": [0, 1], "mine": None}
            mine = await b.next_update(lambda u: u["type"] == "poll_voted")
            assert mine["mine"] == 1
            for who, expected in ((host, None), (ann, None), (guest, None), (bob, 1)):
                snap = (await who.get(f"/api/rooms/{room_id}")).json()
                assert snap["polls"][0]["mine"] == expected
                assert "voters" not in snap["polls"][0]
