"""Search: one box for live rooms, upcoming events, people, clubs, episodes and what was
said in them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from roomcast.actions import search
from roomcast.domain.search import MAX_QUERY, Kind
from roomcast.web.deps import Ctx, Viewer
from roomcast.web.schemas import SearchOut, SearchResultOut

router = APIRouter(prefix="/api", tags=["search"])

SearchText = Annotated[str, Query(min_length=1, max_length=MAX_QUERY)]


@router.get(
    "/search",
    response_model=SearchOut,
    summary="Search everything you may see: titles first, then descriptions, then what "
    "was said (English stemmed, accents folded; quote a phrase)",
)
async def find(
    q: SearchText,
    viewer: Viewer,
    ctx: Ctx,
    kind: Annotated[list[Kind] | None, Query(max_length=5)] = None,
) -> SearchOut:
    results = await search.search(ctx, viewer, q, kind)
    return SearchOut(query=q, results=[SearchResultOut.of(r) for r in results])
