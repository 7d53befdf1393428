"""Clubs over the real API, on SQLite and PostgreSQL: handles, joining (open, by request, by
invite link), roles, removals and bans, club rooms and events at every door, the club's
show with its public and private feeds."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from lxml import etree
from PIL import Image
from sqlalchemy import insert, select
from websockets.exceptions import ConnectionClosed

from roomcast.store.tables import ClubMemberRow, ClubRow, UserRow
from tests.integration.test_events_api import local_in, notice, people
from tests.live_server import Client, LiveServer, via
from tests.media_helpers import ClientPeer, loopback_only
from tests.podcast_helpers import record_tone

pytestmark = pytest.mark.usefixtures("_close")
PNG = {"content-type": "image/png"}


@pytest.fixture
async def _close() -> AsyncIterator[None]:
    from tests.integration.test_events_api import _open

    yield
    while _open:
        await _open.pop().__aexit__()


async def make_club(c: Client, handle: str = "runners", **extra: Any) -> dict[str, Any]:
    r = await c.post("/api/clubs", {"handle": handle, "name": handle.title(), **extra})
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


async def refused_socket(c: Client, room_id: str) -> dict[str, Any]:
    async with c.live(f"/api/rooms/{room_id}/live") as ws:
        msg = await ws.recv()
        assert msg["type"] == "error", msg
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
        return msg


async def test_handles_and_bad_input(server: LiveServer) -> None:
    maya, sam = await people(server, "maya", "sam")
    club = await make_club(maya, "runners", description="We run.", topic="sports")
    assert club["role"] == "admin" and club["members"] == 1 and club["handle"] == "runners"
    assert "edit" in club["may"] and "delete" in club["may"]
    await make_club(maya, "hall")
    # case and look-alikes are taken; non-ASCII and reserved handles are refused clearly
    for handle, status, code in (
        ("Runners", 409, "handle_taken"),
        ("RUNNERS", 409, "handle_taken"),
        ("ha11", 409, "handle_taken"),  # "1" looks like "l"
        ("HA1L", 409, "handle_taken"),
        ("ｒunners", 400, "bad_handle"),  # fullwidth r
        ("runnérs", 400, "bad_handle"),
        ("new", 409, "handle_taken"),
        ("ab", 400, "bad_handle"),
    ):
        r = await sam.post("/api/clubs", {"handle": handle, "name": "Other"})
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), (handle, r.text)
    for body in (
        {"handle": "x" * 40, "name": "A"},
        {"handle": "okay_club", "name": "\u202eevil"},
        {"handle": "okay_club", "name": "A", "join": "sometimes"},
        {"handle": "okay_club", "name": "A", "colour": "red"},
        {"handle": "okay_club", "name": "A", "description": "x" * 3000},
    ):
        assert (await sam.post("/api/clubs", body)).status_code == 422, body
    # ten parallel copies of one creation: one club, the rest 409, never a 500
    rs = await asyncio.gather(
        *(sam.post("/api/clubs", {"handle": "twins", "name": "Twins"}) for _ in range(10))
    )
    codes = sorted(r.status_code for r in rs)
    assert codes[0] == 201 and set(codes[1:]) <= {409, 429}, codes  # 429: the club limit
    assert (await sam.get("/api/clubs/nobody")).status_code == 404
    assert (await sam.get("/api/clubs/bad!handle")).status_code == 422
    # only admins edit; text is stored as given and escaped on the page
    r = await sam.put("/api/clubs/runners", {"name": "Mine"})
    assert r.status_code == 403
    r = await maya.put(
        "/api/clubs/runners", {"name": "<Runners & co>", "description": "<script>x</script>"}
    )
    assert r.status_code == 200 and r.json()["name"] == "<Runners & co>"
    page = (await sam.get("/c/runners")).text
    assert "&lt;Runners &amp; co&gt;" in page and "<script>x</script>" not in page


async def test_joining_roles_and_bans(server: LiveServer) -> None:
    maya, sam, ana, eve, guest = await people(server, "maya", "sam", "ana", "eve", "")
    await make_club(maya, "jazz", join="approval")
    base = "/api/clubs/jazz"
    # a request waits, the admins are told, and approval lets them in
    async with maya.live("/api/me/live") as ws:
        await ws.recv()
        r = await sam.post(f"{base}/join", {})
        assert r.status_code == 200 and r.json()["role"] is None and r.json()["requested"]
        got = await notice(ws, "club")
        assert got["text"] == "sam asks to join Jazz" and got["url"] == "/c/jazz/members"
    assert (await sam.post(f"{base}/join", {})).json()["requested"]  # asking twice: one request
    assert (await sam.get(f"{base}/requests")).status_code == 403  # members do not answer
    r = await maya.get(f"{base}/requests")
    assert [p["username"] for p in r.json()["people"]] == ["sam"]
    assert (await maya.get(f"{base}")).json()["requests"] == 1
    r = await maya.put(f"{base}/requests/sam", {"approve": True})
    assert r.status_code == 204
    assert (await maya.put(f"{base}/requests/sam", {"approve": True})).status_code == 404
    assert (await sam.get(base)).json()["role"] == "member"
    # denied: no membership; they may ask again
    await ana.post(f"{base}/join", {})
    assert (await maya.put(f"{base}/requests/ana", {"approve": False})).status_code == 204
    assert (await ana.get(base)).json()["role"] is None
    assert not (await ana.get(base)).json()["requested"]
    # an invite link joins without approval; a renewed link revokes the old one
    assert (await sam.get(f"{base}/invite")).status_code == 403
    link = (await maya.get(f"{base}/invite")).json()["url"]
    token = link.split("invite=")[1]
    r = await ana.post(f"{base}/join", {"invite": token})
    assert r.status_code == 200 and r.json()["role"] == "member"
    await maya.post(f"{base}/invite/renew")
    r = await eve.post(f"{base}/join", {"invite": token})
    assert r.status_code == 403 and r.json()["error"]["code"] == "bad_invite"
    assert (await eve.post(f"{base}/join", {"invite": "x" * 65})).status_code == 422
    # roles: admins make moderators; moderators remove members, not moderators
    assert (await sam.put(f"{base}/members/ana/role", {"role": "admin"})).status_code == 403
    assert (await maya.put(f"{base}/members/sam/role", {"role": "moderator"})).status_code == 204
    assert (await maya.put(f"{base}/members/eve/role", {"role": "admin"})).status_code == 404
    r = await maya.put(f"{base}/members/sam/role", {"role": "owner"})
    assert r.status_code == 422
    r = await maya.get(f"{base}/members")
    assert [(m["username"], m["role"]) for m in r.json()["members"]] == [
        ("maya", "admin"),
        ("sam", "moderator"),
        ("ana", "member"),
    ]
    assert (await sam.delete(f"{base}/members/maya")).status_code == 403
    assert (await sam.delete(f"{base}/members/ana")).status_code == 204
    assert (await ana.get(base)).json()["role"] is None
    # the last admin cannot leave or step down
    r = await maya.post(f"{base}/leave")
    assert r.status_code == 409 and r.json()["error"]["code"] == "last_admin"
    r = await maya.put(f"{base}/members/maya/role", {"role": "member"})
    assert r.status_code == 409
    # bans: out, and no way back in (join, invite link, follow) until lifted
    await eve.post(f"{base}/join", {})
    assert (await sam.put(f"{base}/bans/eve")).status_code == 204  # not a member yet
    assert (await eve.get(base)).json()["banned"]
    assert not (await eve.get(base)).json()["requested"]
    link = (await maya.get(f"{base}/invite")).json()["url"]
    r = await eve.post(f"{base}/join", {"invite": link.split("invite=")[1]})
    assert r.status_code == 403 and r.json()["error"]["code"] == "club_banned"
    assert (await eve.put(f"{base}/follow", {"following": True})).status_code == 403
    assert [p["username"] for p in (await maya.get(f"{base}/bans")).json()["people"]] == ["eve"]
    assert (await sam.put(f"{base}/bans/maya")).status_code == 403
    assert (await maya.delete(f"{base}/bans/eve")).status_code == 204
    assert (await eve.post(f"{base}/join", {})).json()["requested"]
    # guests read, never act
    assert (await guest.get(base)).status_code == 200
    assert (await guest.post(f"{base}/join", {})).status_code == 401
    # ten parallel joins of an open club: one membership
    await make_club(maya, "open_club")
    rs = await asyncio.gather(*(ana.post("/api/clubs/open_club/join", {}) for _ in range(10)))
    assert {r.status_code for r in rs} == {200}
    assert (await ana.get("/api/clubs/open_club")).json()["members"] == 2
    # follows
    r = await guest.get("/api/clubs/open_club")
    assert r.json()["followers"] == 0
    assert (await eve.put("/api/clubs/open_club/follow", {"following": True})).json()["following"]
    assert (await guest.get("/api/clubs/open_club")).json()["followers"] == 1


async def test_a_club_of_ten_thousand(server: LiveServer) -> None:
    """Member pages, counts and an admin's actions stay right with 10,000 members."""
    (maya,) = await people(server, "maya")
    club = await make_club(maya, "big")
    now = datetime.now(UTC)
    async with server.ctx.store.unit_of_work() as uow:
        s = uow.session
        rows = [
            {
                "username": f"m{i}",
                "display_name": f"Member {i}",
                "bio": "",
                "password_hash": "x",
                "is_admin": False,
                "created_at": now,
            }
            for i in range(10_000)
        ]
        ids = list(await s.scalars(insert(UserRow).returning(UserRow.id), rows))
        await s.execute(
            insert(ClubMemberRow),
            [
                {"club_id": club["id"], "user_id": u, "role": "member", "joined_at": now}
                for u in ids
            ],
        )
    assert (await maya.get("/api/clubs/big")).json()["members"] == 10_001
    seen, after, pages = 0, None, 0
    while True:
        r = await maya.get("/api/clubs/big/members" + (f"?after={after}" if after else ""))
        assert r.status_code == 200
        body = r.json()
        seen += len(body["members"])
        pages += 1
        if pages == 1:
            assert body["members"][0] == {
                "username": "maya",
                "display_name": "maya",
                "role": "admin",
            }
        after = body["next"]
        if after is None or pages > 200:
            break
    assert seen == 10_001 and pages == 101
    assert (await maya.get("/api/clubs/big/members?after=zz")).status_code == 400
    assert (await maya.delete("/api/clubs/big/members/m77")).status_code == 204
    assert (await maya.get("/api/clubs/big")).json()["members"] == 10_000


async def test_members_only_rooms_at_every_door(server: LiveServer) -> None:
    loopback_only()
    maya, sam, ana, lee, out, guest = await people(server, "maya", "sam", "ana", "lee", "out", "")
    await make_club(maya, "jazz")
    for c in (sam, ana, lee):
        assert (await c.post("/api/clubs/jazz/join", {})).status_code == 200
    await maya.put("/api/clubs/jazz/members/sam/role", {"role": "moderator"})
    # members cannot start rooms as the club unless it allows; moderators can
    r = await ana.post("/api/rooms", {"title": "Mine", "club": "jazz"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_club_host"
    r = await out.post("/api/rooms", {"title": "Mine", "club": "jazz"})
    assert r.status_code == 403
    r = await ana.post("/api/rooms", {"title": "Mine", "visibility": "members"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "members_only_needs_club"
    assert (await ana.post("/api/rooms", {"title": "x", "club": "nope"})).status_code == 404
    await maya.put("/api/clubs/jazz", {"name": "Jazz", "hosting": "members"})
    # a member's members-only room: members are told, the rest are refused at every door
    async with sam.live("/api/me/live") as ws:
        await ws.recv()
        created = await ana.start_room("Late set", club="jazz", visibility="members")
        got = await notice(ws, "live")
        assert got["text"] == "ana is live in Jazz: Late set"
    room = created["room"]
    assert room["club"] == {"id": room["club"]["id"], "handle": "jazz", "name": "Jazz"}
    rid = room["id"]
    r = await out.get(f"/api/rooms/{rid}")
    assert r.status_code == 403 and r.json()["error"]["code"] == "members_only"
    assert (await guest.get(f"/api/rooms/{rid}")).status_code == 401
    page = await out.get(f"/r/{rid}")
    assert page.status_code == 403 and "for the club" in page.text
    assert (await guest.get(f"/r/{rid}")).status_code == 303  # to sign in
    assert (await refused_socket(out, rid))["code"] == "members_only"
    assert (await refused_socket(guest, rid))["code"] == "sign_in_required"
    r = await out.post(f"/api/rooms/{rid}/media", {"type": "offer", "sdp": "v=0"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "members_only"
    # not in the hallway for anyone outside
    assert rid not in [x["id"] for x in (await out.get("/api/rooms")).json()["rooms"]]
    # members come in and connect; the club's moderator is a moderator here and moderates
    async with (
        ana.live(f"/api/rooms/{rid}/live") as host_ws,
        sam.live(f"/api/rooms/{rid}/live") as mod_ws,
        lee.live(f"/api/rooms/{rid}/live") as lee_ws,
    ):
        await host_ws.recv()
        await lee_ws.recv()
        await mod_ws.recv()  # all three are in now
        snap = (await sam.get(f"/api/rooms/{rid}")).json()
        roles = {p["user"]["username"]: p["role"] for p in snap["participants"]}
        assert roles["sam"] == "moderator" and roles["ana"] == "host"
        peer = ClientPeer()
        await peer.join(via(lee, rid))
        await peer.close()
        r = await sam.post(f"/api/rooms/{rid}/participants/u{lee.user_id}/remove", {"ban": False})
        assert r.status_code == 200, r.text
        r = await sam.post(f"/api/rooms/{rid}/participants/u{ana.user_id}/remove", {"ban": False})
        assert r.status_code == 403  # never the room's host
    assert (await refused_socket(lee, rid))["code"] == "removed"
    # removed from the club: out of its members-only room at once, at every door
    await maya.delete("/api/clubs/jazz/members/sam")
    assert (await sam.get(f"/api/rooms/{rid}")).status_code == 403
    assert (await refused_socket(sam, rid))["code"] == "members_only"
    # a club ban shuts its public rooms too, even signed out in the same browser
    public = await ana.start_room("Open jam", club="jazz")
    await maya.put("/api/clubs/jazz/bans/out")
    pid = public["room"]["id"]
    r = await out.get(f"/api/rooms/{pid}")
    assert r.status_code == 403 and r.json()["error"]["code"] == "club_banned"
    assert (await guest.get(f"/api/rooms/{pid}")).status_code == 200  # a stranger's browser
    # ending: the club deleted with live rooms ends them, and everything is gone cleanly
    r = await maya.delete("/api/clubs/jazz")
    assert r.status_code == 204
    assert (await ana.get(f"/api/rooms/{rid}")).json()["room"]["state"] == "ended"
    assert (await ana.get(f"/api/rooms/{pid}")).json()["room"]["state"] == "ended"
    assert (await ana.get("/api/clubs/jazz")).status_code == 404
    assert (await maya.post("/api/rooms", {"title": "x", "club": "jazz"})).status_code == 404
    r = await sam.post("/api/clubs", {"handle": "jazz", "name": "Jazz again"})
    assert r.status_code == 409  # a deleted club's handle is not handed to someone else


async def test_club_events(server: LiveServer) -> None:
    maya, sam, out = await people(server, "maya", "sam", "out")
    await make_club(maya, "chess")
    await sam.post("/api/clubs/chess/join", {})
    body = {
        "title": "Blitz night",
        "starts_at": local_in("Europe/Paris", __import__("datetime").timedelta(days=2)),
        "club": "chess",
        "visibility": "members",
    }
    async with sam.live("/api/me/live") as ws:
        await ws.recv()
        r = await maya.post("/api/events", body)
        assert r.status_code == 201, r.text
        got = await notice(ws, "scheduled")
        assert "Blitz night" in got["text"]
    event = r.json()
    assert event["club"] == {"handle": "chess", "name": "Chess"}
    eid = event["id"]
    assert (await sam.get(f"/api/events/{eid}")).status_code == 200
    assert (await out.get(f"/api/events/{eid}")).status_code == 403
    assert (await out.get(f"/e/{eid}/event.ics")).status_code == 403
    assert (await out.put(f"/api/events/{eid}/rsvp", {"going": True})).status_code == 403
    assert eid not in [e["id"] for e in (await out.get("/api/events")).json()["events"]]
    r = await out.post("/api/events", {**body, "club": "chess"})
    assert r.status_code == 403
    r = await out.post("/api/events", {**body, "club": None})
    assert r.status_code == 400 and r.json()["error"]["code"] == "members_only_needs_club"
    # started: a club room, members-only
    r = await maya.post(f"/api/events/{eid}/start")
    assert r.status_code == 201, r.text
    room = r.json()["room"]
    assert room["club"]["handle"] == "chess" and room["visibility"] == "members"
    assert (await out.get(f"/api/rooms/{room['id']}")).status_code == 403


def _items(xml: bytes) -> list[dict[str, str]]:
    root = etree.fromstring(xml)
    return [
        {
            "title": i.findtext("title") or "",
            "enclosure": i.find("enclosure").get("url", "")
            if i.find("enclosure") is not None
            else "",
        }
        for i in root.iter("item")
    ]


async def wait_club_episode(c: Client, handle: str, timeout: float = 120) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            r = await c.get(f"/api/clubs/{handle}/show")
            assert r.status_code == 200, r.text
            eps = [e for e in r.json()["episodes"] if e["status"] != "processing"]
            if eps:
                return eps[0]  # type: ignore[no-any-return]
            await asyncio.sleep(0.25)


async def test_the_clubs_show_and_private_feeds(server: LiveServer) -> None:
    loopback_only()
    maya, sam, out, guest = await people(server, "maya", "sam", "out", "")
    await make_club(maya, "salon", topic="culture")
    await sam.post("/api/clubs/salon/join", {})
    await record_tone(maya, "Members evening", club="salon", visibility="members")
    ep = await wait_club_episode(maya, "salon")
    assert ep["status"] == "published" and ep["members_only"]
    audio = f"/episodes/{ep['id']}/audio.mp3"
    # not in the host's show or feed, nor in the club's public feed or the hallway
    assert (await guest.get("/api/shows/maya")).json()["episodes"] == []
    assert _items((await guest.get("/shows/maya/feed.xml")).content) == []
    assert _items((await guest.get("/c/salon/feed.xml")).content) == []
    assert ep["id"] not in (await guest.get("/")).text
    # refused to non-members at the API, the page and the file; members hear it
    assert (await out.get(f"/api/episodes/{ep['id']}")).status_code == 403
    assert (await guest.get(f"/api/episodes/{ep['id']}")).status_code == 401
    assert (await out.get(f"/episodes/{ep['id']}")).status_code == 403
    assert (await out.get(audio)).status_code == 403
    r = await sam.get(audio)
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-store"
    assert [e["id"] for e in (await sam.get("/api/clubs/salon/show")).json()["episodes"]] == [
        ep["id"]
    ]
    assert (await out.get("/api/clubs/salon/show")).json()["episodes"] == []
    # a member's private feed lists it, with its files under the same key
    assert (await out.get("/api/clubs/salon/private-feed")).status_code == 403
    url = (await sam.get("/api/clubs/salon/private-feed")).json()["url"]
    assert url == (await sam.get("/api/clubs/salon/private-feed")).json()["url"]  # stable
    path = url.removeprefix(server.url)
    r = await guest.get(path)  # a podcast app: no cookies
    assert r.status_code == 200 and r.headers["cache-control"].startswith("private")
    root = etree.fromstring(r.content)
    assert root.find("channel/{http://www.itunes.com/dtds/podcast-1.0.dtd}block").text == "yes"
    [item] = _items(r.content)
    assert item["title"] == "Members evening"
    enclosure = item["enclosure"].removeprefix(server.url)
    assert enclosure.startswith(path.removesuffix("feed.xml"))
    r = await guest.get(enclosure)
    assert r.status_code == 200 and r.content == (await sam.get(audio)).content
    # guessed and tampered keys, someone else's episode through a key: refused
    key = path.split("/")[2]
    kid, mac = key.split(".")
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")  # never the key itself
    for bad in (f"{kid}.{flipped}", f"{int(kid) + 1}.{mac}", f"{kid}.x"):
        assert (await guest.get(f"/feeds/{bad}/feed.xml")).status_code == 403, bad
    assert (await guest.get("/feeds/nonsense/feed.xml")).status_code == 422
    await record_tone(maya, "Open talk")  # maya's own show, not the club's
    own = (await maya.get("/api/shows/maya")).json()["episodes"]
    while not own or own[0]["status"] == "processing":
        await asyncio.sleep(0.25)
        own = (await maya.get("/api/shows/maya")).json()["episodes"]
    r = await guest.get(f"/feeds/{key}/episodes/{own[0]['id']}/audio.mp3")
    assert r.status_code == 404
    # renewing revokes the old address; leaving revokes the new one
    new = (await sam.post("/api/clubs/salon/private-feed/renew")).json()["url"]
    assert new != url
    assert (await guest.get(path)).status_code == 403
    assert (await guest.get(enclosure)).status_code == 403
    new_path = new.removeprefix(server.url)
    assert (await guest.get(new_path)).status_code == 200
    await sam.post("/api/clubs/salon/leave")
    assert (await guest.get(new_path)).status_code == 403
    assert (await sam.get(audio)).status_code == 403
    # rejoining gives a new key; the old one stays dead
    await sam.post("/api/clubs/salon/join", {})
    again = (await sam.get("/api/clubs/salon/private-feed")).json()["url"]
    assert again != new and (await guest.get(new_path)).status_code == 403
    again_path = again.removeprefix(server.url)
    assert (await guest.get(again_path)).status_code == 200
    # removed by an admin, or banned: the key dies with the membership
    assert (await maya.delete("/api/clubs/salon/members/sam")).status_code == 204
    assert (await guest.get(again_path)).status_code == 403
    assert (
        await guest.get(f"{again_path.removesuffix('feed.xml')}episodes/{ep['id']}/audio.mp3")
    ).status_code == 403
    # the club's images: validated, re-encoded, versioned URLs
    png = io.BytesIO()
    Image.new("RGB", (600, 400), "teal").save(png, "PNG")
    r = await maya.put(
        "/api/clubs/salon/images/cover",
        content=png.getvalue(),
        headers=PNG,
    )
    assert r.status_code == 200, r.text
    cover = r.json()["cover_url"].removeprefix(server.url)
    img = Image.open(io.BytesIO((await guest.get(cover)).content))
    assert img.format == "JPEG" and img.size == (1500, 500)
    r = await sam.put(
        "/api/clubs/salon/images/avatar",
        content=png.getvalue(),
        headers=PNG,
    )
    assert r.status_code == 403
    r = await maya.put(
        "/api/clubs/salon/images/avatar",
        content=b"not an image",
        headers=PNG,
    )
    assert r.status_code == 400
    avatar = (await guest.get("/api/clubs/salon")).json()["avatar_url"].removeprefix(server.url)
    assert Image.open(io.BytesIO((await guest.get(avatar)).content)).size == (1400, 1400)
    assert (await guest.get("/c/salon/banner.jpg")).status_code == 404
    async with server.ctx.store.unit_of_work() as uow:
        assert await uow.session.scalar(select(ClubRow.name)) == "Salon"
