"""A person's notices (the bell), how they want to be told (per kind, in the app and by
email), their time zone and email address; and the links emails carry (confirm the
address, one-click unsubscribe: RFC 8058)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from roomcast.actions import accounts
from roomcast.domain.notices import KINDS, Prefs
from roomcast.errors import RoomcastError
from roomcast.web.deps import Ctx, SignedIn
from roomcast.web.routes.pages import render_message
from roomcast.web.schemas import (
    EmailIn,
    EmailOut,
    MeOut,
    NoticeOut,
    NoticesOut,
    PrefsBody,
    ReadIn,
    TimeZoneIn,
    TopicsIn,
    UnreadOut,
)

router = APIRouter(prefix="/api/me", tags=["notifications"])
pages = APIRouter(include_in_schema=False)


@router.get("/notifications", response_model=NoticesOut, summary="My latest notices")
async def notices(user: SignedIn, ctx: Ctx) -> NoticesOut:
    unread, found = await accounts.notices_of(ctx, user)
    return NoticesOut(unread=unread, notices=[NoticeOut.of(n) for n in found])


@router.post("/notifications/read", response_model=UnreadOut, summary="Mark notices read")
async def read(body: ReadIn, user: SignedIn, ctx: Ctx) -> UnreadOut:
    return UnreadOut(unread=await accounts.mark_read(ctx, user, body.ids))


def _prefs_out(p: Prefs) -> PrefsBody:
    return PrefsBody.model_validate({"prefs": p.table()})


@router.get("/notifications/prefs", response_model=PrefsBody, summary="How I am told")
async def get_prefs(user: SignedIn, ctx: Ctx) -> PrefsBody:
    return _prefs_out(await accounts.prefs(ctx, user))


@router.put("/notifications/prefs", response_model=PrefsBody, summary="Choose how I am told")
async def set_prefs(body: PrefsBody, user: SignedIn, ctx: Ctx) -> PrefsBody:
    return _prefs_out(await accounts.set_prefs(ctx, user, body.prefs))


@router.put("/time-zone", response_model=MeOut, summary="My time zone (emails use it)")
async def set_time_zone(body: TimeZoneIn, user: SignedIn, ctx: Ctx) -> MeOut:
    await accounts.set_time_zone(ctx, user, body.time_zone)
    return MeOut.of(await accounts.profile(ctx, user.username))


@router.get("/topics", response_model=TopicsIn, summary="The topics I like")
async def get_topics(user: SignedIn, ctx: Ctx) -> TopicsIn:
    return TopicsIn(topics=sorted(await accounts.topics(ctx, user)))


@router.put(
    "/topics",
    response_model=TopicsIn,
    summary="The topics I like: the hallway puts their rooms first, after followed people "
    "and clubs",
)
async def set_topics(body: TopicsIn, user: SignedIn, ctx: Ctx) -> TopicsIn:
    return TopicsIn(topics=sorted(await accounts.set_topics(ctx, user, body.topics)))


@router.get("/email", response_model=EmailOut, summary="My email address and its state")
async def get_email(user: SignedIn, ctx: Ctx) -> EmailOut:
    return EmailOut.of(await accounts.contact(ctx, user), bool(ctx.settings.smtp_host))


@router.put(
    "/email", response_model=EmailOut, summary="Set (sends a confirmation link) or remove it"
)
async def set_email(body: EmailIn, user: SignedIn, ctx: Ctx) -> EmailOut:
    found = await accounts.set_email(ctx, user, body.email)
    return EmailOut.of(found, bool(ctx.settings.smtp_host))


# ---- links in emails: they work without a session ----

Uid = Annotated[int, Query(ge=1, le=2**31)]
Token = Annotated[str, Query(min_length=1, max_length=64)]


async def _page(
    request: Request, status: int, title: str, message: str, **data: object
) -> Response:
    return await render_message(request, status, title, message, **data)


@pages.get("/email/confirm")
async def confirm(
    request: Request, u: Uid, x: Annotated[str, Query(max_length=12)], t: Token, ctx: Ctx
) -> Response:
    try:
        await accounts.confirm_email(ctx, u, x, t)
    except RoomcastError as e:
        return await _page(request, e.http_status, "This link does not work", e.message)
    return await _page(
        request, 200, "Email confirmed", "Reminders and the notices you chose will come here."
    )


@pages.get("/email/unsubscribe")
async def unsubscribe_page(
    request: Request, u: Uid, k: Annotated[str, Query(max_length=16)], t: Token
) -> Response:
    """A page with one button (a GET must not unsubscribe: mail scanners follow links)."""
    label = next((v[0] for kind, v in KINDS.items() if kind.value == k), None)
    if label is None:
        return await _page(
            request, 404, "This link does not work", "This unsubscribe link is not valid."
        )
    return await _page(
        request,
        200,
        "Stop these emails?",
        f"You will get no more emails for: {label.lower()}. You still see them in the app.",
        unsubscribe={"u": u, "k": k, "t": t},
    )


@pages.post("/email/unsubscribe")
async def unsubscribe(
    request: Request, u: Uid, k: Annotated[str, Query(max_length=16)], t: Token, ctx: Ctx
) -> Response:
    """One click: mail apps POST here (List-Unsubscribe-Post), as does the page's button.
    The signed link is the authority, so CSRF does not apply (middleware.py)."""
    try:
        await accounts.unsubscribe(ctx, u, k, t)
    except RoomcastError as e:
        return await _page(request, e.http_status, "This link does not work", e.message)
    return await _page(
        request, 200, "Unsubscribed", "Done: no more of these emails. Settings can turn them on."
    )
