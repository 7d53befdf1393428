"""Email through a real SMTP server (aiosmtpd on 127.0.0.1): confirming an address, the
10-minute reminder with the reader's local time, one-click unsubscribe, refused addresses;
and exactly-once delivery across SIGKILLs of the server."""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from roomcast.domain.notices import when_text
from tests.live_server import Client, Endpoint, LiveServer, run_server, server_process
from tests.smtp_helpers import Inbox, smtp_server, text_of

LINK = re.compile(r"http://127\.0\.0\.1:\d+/email/\S+")


def mail_settings(inbox: Inbox) -> dict[str, Any]:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": inbox.port,
        "smtp_security": "none",
        "smtp_timeout": 5,
        "job_retry_seconds": 0.3,
    }


@asynccontextmanager
async def mailing_server(
    tmp_path: Path, database_url: str
) -> AsyncIterator[tuple[LiveServer, Inbox]]:
    with smtp_server() as inbox:
        async with run_server(tmp_path / "data", database_url, **mail_settings(inbox)) as srv:
            yield srv, inbox


async def signed_up(server: Endpoint, name: str, tz: str) -> Client:
    c = Client(server)
    await c.__aenter__()
    await c.signup(name, time_zone=tz)
    return c


async def confirm_address(c: Client, inbox: Inbox, address: str) -> None:
    before = len(inbox.messages)
    r = await c.put("/api/me/email", {"email": address})
    assert r.status_code == 200 and r.json()["verified"] is False, r.text
    msg = (await inbox.arrived(before + 1))[-1]
    assert msg["To"] == address and "Confirm" in msg["Subject"]
    (link,) = LINK.findall(text_of(msg))
    r = await c.get(link)
    assert r.status_code == 200, r.text
    assert (await c.get("/api/me/email")).json()["verified"] is True


def soon(seconds: float) -> str:
    """A start that puts the 10-minute reminder `seconds` from now."""
    at = datetime.now(UTC) + timedelta(minutes=10, seconds=seconds)
    return at.replace(microsecond=0).isoformat()


async def test_reminder_email_in_local_time_with_unsubscribe(
    tmp_path: Path, database_url: str
) -> None:
    async with mailing_server(tmp_path, database_url) as (server, inbox):
        maya = await signed_up(server, "maya", "Europe/Paris")
        ann = await signed_up(server, "ann", "America/New_York")
        try:
            await confirm_address(ann, inbox, "ann@example.org")
            r = await maya.post(
                "/api/events", {"title": "Launch <AMA> & more", "starts_at": soon(2)}
            )
            assert r.status_code == 201, r.text
            event = r.json()
            await ann.put(f"/api/events/{event['id']}/rsvp", {"going": True})
            (_, reminder) = await inbox.arrived(2, timeout=30)
            assert reminder["Subject"] == "Launch <AMA> & more with maya starts in 10 minutes"
            starts = datetime.fromisoformat(event["starts_at"])
            body = text_of(reminder)
            local = when_text(starts.astimezone(ZoneInfo("America/New_York")))
            assert f"When: {local}" in body, body
            assert "(America/New_York)" in local
            assert reminder["Message-ID"].startswith("<notice.")
            assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            unsubscribe = reminder["List-Unsubscribe"].strip("<>")
            assert unsubscribe in body
            # the bell has it too
            notices = (await ann.get("/api/me/notifications")).json()["notices"]
            assert [n["kind"] for n in notices] == ["reminder"]
            # one click from a mail app: a POST without cookies or CSRF token
            async with httpx.AsyncClient() as mail_app:
                page = await mail_app.get(unsubscribe)
                assert page.status_code == 200 and "Stop these emails" in page.text
                r = await mail_app.post(unsubscribe, content=b"List-Unsubscribe=One-Click")
                assert r.status_code == 200, r.text
                forged = unsubscribe.replace("k=reminder", "k=live")
                assert (await mail_app.post(forged)).status_code == 404
            prefs = (await ann.get("/api/me/notifications/prefs")).json()["prefs"]
            assert prefs["reminder"] == {"app": True, "email": False}
            assert prefs["cancelled"]["email"] is True  # only that kind
        finally:
            await maya.__aexit__()
            await ann.__aexit__()


async def test_a_refused_address_is_not_retried(tmp_path: Path, database_url: str) -> None:
    async with mailing_server(tmp_path, database_url) as (server, inbox):
        inbox.refuse.add("nobody@example.org")
        bob = await signed_up(server, "bob", "UTC")
        try:
            r = await bob.put("/api/me/email", {"email": "nobody@example.org"})
            assert r.status_code == 200
            async with asyncio.timeout(15):
                while not (await bob.get("/api/me/email")).json()["refused"]:
                    await asyncio.sleep(0.05)
            async with server.ctx.transaction() as uow:
                counts = await uow.jobs.counts("email")
            assert counts == {"failed": 1}  # given up at once, not retried
            assert inbox.messages == []
            for bad in ("not-an-address", "a@b", "x" * 300 + "@example.org", "<a@b.org>"):
                r = await bob.put("/api/me/email", {"email": bad})
                assert r.status_code == 422, bad
        finally:
            await bob.__aexit__()


async def _rsvp_to_soon_event(endpoint: Endpoint, inbox: Inbox, seconds: float) -> str:
    host = await signed_up(endpoint, f"h{int(seconds * 10)}", "UTC")
    fan = await signed_up(endpoint, f"f{int(seconds * 10)}", "Europe/Paris")
    try:
        await confirm_address(fan, inbox, f"fan{int(seconds * 10)}@example.org")
        r = await host.post("/api/events", {"title": "Soon", "starts_at": soon(seconds)})
        assert r.status_code == 201, r.text
        await fan.put(f"/api/events/{r.json()['id']}/rsvp", {"going": True})
        return str(r.json()["id"])
    finally:
        await host.__aexit__()
        await fan.__aexit__()


async def test_reminders_survive_sigkill_exactly_once(tmp_path: Path, database_url: str) -> None:
    data = tmp_path / "data"
    with smtp_server() as inbox:
        settings = {k: str(v) for k, v in mail_settings(inbox).items()}
        # 1. killed before the reminder is due: it is sent after the restart, once
        async with server_process(data, database_url, **settings) as (endpoint, proc):
            await _rsvp_to_soon_event(endpoint, inbox, 4)
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
        confirmations = len(inbox.messages)
        async with server_process(data, database_url, **settings) as (endpoint, proc):
            got = await inbox.arrived(confirmations + 1, timeout=30)
            await asyncio.sleep(2)  # anything sent twice would be here by now
            assert len(inbox.messages) == confirmations + 1
            assert "starts in 10 minutes" in got[-1]["Subject"]
            # 2. killed while the SMTP server holds the message's DATA
            await _rsvp_to_soon_event(endpoint, inbox, 2)
            inbox.hold.set()
            assert await asyncio.to_thread(inbox.holding.wait, 30)
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
        inbox.hold.clear()  # the held DATA is refused (451): it never arrived
        before = len(inbox.messages)
        async with server_process(data, database_url, **settings):
            got = await inbox.arrived(before + 1, timeout=30)
            await asyncio.sleep(2)
        reminders = [m for m in inbox.messages if "starts in 10 minutes" in m["Subject"]]
        assert len(reminders) == 2  # one per event: none lost, none doubled
        assert len({m["Message-ID"] for m in reminders}) == 2
        # the one sent again after the crash is the same message as the one cut off
        (held,) = inbox.held
        assert held["Message-ID"] == reminders[-1]["Message-ID"]


async def test_smtp_down_delays_email_never_the_room(tmp_path: Path, database_url: str) -> None:
    async with mailing_server(tmp_path, database_url) as (server, inbox):
        maya = await signed_up(server, "maya", "UTC")
        ann = await signed_up(server, "ann", "Asia/Tokyo")
        try:
            await confirm_address(ann, inbox, "ann@example.org")
            r = await ann.put("/api/me/notifications/prefs", {"prefs": {"live": {"email": True}}})
            assert r.json()["prefs"]["live"] == {"app": True, "email": True}
            await ann.put("/api/users/maya/follow")
            inbox.down()
            room = await maya.start_room("While the mail is down")  # the room starts anyway
            async with asyncio.timeout(15):
                while True:  # in the app at once; the email waits, retried
                    kinds = [
                        n["kind"]
                        for n in (await ann.get("/api/me/notifications")).json()["notices"]
                    ]
                    async with server.ctx.transaction() as uow:
                        counts = await uow.jobs.counts("email")
                    if "live" in kinds and counts.get("pending"):
                        break
                    await asyncio.sleep(0.05)
            async with server.ctx.transaction() as uow:
                assert (await uow.jobs.counts("email")).get("done") == 1  # the confirmation
            inbox.up()
            got = await inbox.arrived(2, timeout=30)
            assert got[-1]["Subject"] == "maya is live: While the mail is down"
            assert f"/r/{room['room']['id']}" in text_of(got[-1])
            await asyncio.sleep(1)
            assert len(inbox.messages) == 2  # once
        finally:
            await maya.__aexit__()
            await ann.__aexit__()
