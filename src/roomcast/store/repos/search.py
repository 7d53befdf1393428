"""The search index: documents in `search_docs`, and each engine's full-text index over
them (migration 0014). SQLite: FTS5 tables over the documents as external content, one
stemmed (porter) for English and one not, for titles and texts and again for captions;
PostgreSQL: a tsvector per document, made with an unaccenting English or simple
configuration, under a GIN index for titles and texts and another for captions.

A search reads two tiers. Titles and texts (a few per thing) are ranked by the engine's
relevance. Captions (hundreds per episode: most of the index) are read newest first, in
the index's own order, only as far as the page needs: ranking every caption that says a
common word would take seconds."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

from roomcast.domain.search import HIT_END, HIT_START, Doc, Field, Kind, Match, Query, fts5, tsquery
from roomcast.store.tables import SearchDocRow

# Table and configuration names below are these constants: the SQL built with them (S608)
# takes everything from outside as bound parameters.
CONFIG = {True: "roomcast_en", False: "roomcast_simple"}
CANDIDATES = 300  # title and text matches ranked per engine table
SAID_BATCH = 400  # captions read at a time, newest first
SAID_MAX = 6000  # and at most this many in one search


def _fts(stemmed: bool, said: bool) -> str:
    return f"search_fts{'_said' if said else ''}_{'en' if stemmed else 'any'}"


class SearchRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    @property
    def _sqlite(self) -> bool:
        return self._s.get_bind().dialect.name == "sqlite"

    # ---- writing ----

    async def put(self, docs: Sequence[Doc], fields: Iterable[Field] | None = None) -> None:
        """Replace the documents of what `docs` are of (each (kind, ref) they name) in these
        fields (default: every field the docs have)."""
        things = {(d.kind, d.ref) for d in docs}
        wanted = set(fields) if fields is not None else {d.field for d in docs}
        for kind, ref in things:
            await self.drop(kind, ref, wanted)
        if docs:
            await self._add(docs)

    async def _add(self, docs: Sequence[Doc]) -> None:
        rows = [
            {
                "kind": d.kind.value,
                "ref": d.ref,
                "field": int(d.field),
                "start": d.start,
                "times": json.dumps(list(d.times)) if d.times else None,
                "body": d.body,
                "language": d.language,
                "stemmed": d.stemmed,
                "owner_id": d.owner_id,
                "club_id": d.club_id,
                "members_only": d.members_only,
                "hidden": d.hidden,
            }
            for d in docs
        ]
        ids = list(await self._s.scalars(insert(SearchDocRow).returning(SearchDocRow.id), rows))
        if self._sqlite:
            tables: dict[str, list[dict[str, object]]] = {}
            for i, r in zip(ids, rows, strict=True):
                table = _fts(bool(r["stemmed"]), r["field"] == Field.SAID)
                tables.setdefault(table, []).append(
                    {"id": i, "body": r["body"], "field": r["field"]}
                )
            for table, pairs in tables.items():
                await self._s.execute(
                    text(f"INSERT INTO {table}(rowid, body, field) VALUES (:id, :body, :field)"),
                    pairs,
                )
        else:
            for stemmed, config in CONFIG.items():
                chosen = [i for i, r in zip(ids, rows, strict=True) if r["stemmed"] is stemmed]
                if chosen:
                    await self._s.execute(
                        text(
                            f"UPDATE search_docs SET tsv = to_tsvector('{config}', body) "
                            "WHERE id = ANY(:ids)"
                        ),
                        {"ids": chosen},
                    )

    async def drop(self, kind: Kind, ref: str, fields: Iterable[Field] | None = None) -> None:
        """Forget (these fields of) something."""
        where = [SearchDocRow.kind == kind.value, SearchDocRow.ref == ref]
        if fields is not None:
            where.append(SearchDocRow.field.in_([int(f) for f in fields]))
        if self._sqlite:  # an external-content FTS5 table forgets a row given its old text
            old = (
                await self._s.execute(
                    select(
                        SearchDocRow.id, SearchDocRow.body, SearchDocRow.stemmed, SearchDocRow.field
                    ).where(*where)
                )
            ).all()
            gone: dict[str, list[dict[str, object]]] = {}
            for i, b, stemmed, f in old:
                gone.setdefault(_fts(bool(stemmed), f == Field.SAID), []).append(
                    {"id": i, "body": b, "field": f}
                )
            for table, pairs in gone.items():
                await self._s.execute(
                    text(
                        f"INSERT INTO {table}({table}, rowid, body, field) "
                        "VALUES ('delete', :id, :body, :field)"
                    ),
                    pairs,
                )
        await self._s.execute(delete(SearchDocRow).where(*where))

    async def drop_kind(self, kind: Kind) -> None:
        refs = await self._s.scalars(
            select(SearchDocRow.ref).where(SearchDocRow.kind == kind.value).distinct()
        )
        for ref in list(refs):
            await self.drop(kind, ref)

    async def set_hidden(self, kind: Kind, ref: str, hidden: bool) -> None:
        await self._s.execute(
            update(SearchDocRow)
            .where(SearchDocRow.kind == kind.value, SearchDocRow.ref == ref)
            .values(hidden=hidden)
        )

    async def count(self) -> int:
        return int(await self._s.scalar(select(func.count()).select_from(SearchDocRow)) or 0)

    # ---- reading ----

    async def match(
        self,
        query: Query,
        *,
        kinds: Sequence[Kind],
        clubs: Sequence[int],
        hidden_owners: Sequence[int],
        limit: int = CANDIDATES,
        things: int = 40,
    ) -> list[Match]:
        """The documents that match, that this viewer may find (not hidden, members-only
        ones of their clubs, none of people in a block with them): titles and texts ranked
        (lower score first); then, for up to `things` episodes, the first caption of each
        that says it, newest episode first."""
        if query.empty or not kinds:
            return []
        params: dict[str, object] = {
            "kinds": [k.value for k in kinds],
            "clubs": list(clubs) or [-1],
            "owners": list(hidden_owners) or [-1],
            "limit": limit,
        }
        allowed = (
            "d.hidden = false AND d.kind IN :kinds "
            "AND (d.members_only = false OR d.club_id IN :clubs) "
            "AND (d.owner_id IS NULL OR d.owner_id NOT IN :owners)"
        )
        expanding: tuple[BindParameter[Any], ...] = (
            bindparam("kinds", expanding=True),
            bindparam("clubs", expanding=True),
            bindparam("owners", expanding=True),
        )
        found: list[Match] = []
        for field in (Field.TITLE, Field.TEXT):  # titles first; texts if the page needs more
            found += await self._ranked(query, field, params, allowed, expanding)
            if len({(m.kind, m.ref) for m in found}) >= things:
                return found
        # a prefix (jazz*) is looked for in titles and texts only: over every caption it
        # would read most of the index
        if Kind.EPISODE in kinds and not any(t.prefix for t in query.terms):
            said_q = f"{{body}}: ({fts5(query)})" if self._sqlite else tsquery(query)
            found += await self._said({**params, "q": said_q}, allowed, expanding, things)
        return found

    async def _ranked(
        self,
        query: Query,
        field: Field,
        params: dict[str, object],
        allowed: str,
        expanding: tuple[BindParameter[Any], ...],
    ) -> list[Match]:
        """Title (or text) documents that match, by the engine's relevance."""
        if self._sqlite:
            q = f'{{field}}: "{int(field)}" AND {{body}}: ({fts5(query)})'
            parts = [
                f"SELECT * FROM (SELECT d.id, d.kind, d.ref, d.start, d.times, "
                f"bm25({t}, 1.0, 0.0) AS score FROM {t} JOIN search_docs d "
                f"ON d.id = {t}.rowid WHERE {t} MATCH :q AND {allowed} "
                "ORDER BY score LIMIT :limit)"
                for t in (_fts(True, False), _fts(False, False))
            ]
            sql = " UNION ALL ".join(parts)
        else:
            q = tsquery(query)
            sql = (
                "SELECT d.id, d.kind, d.ref, d.start, d.times, -ts_rank(d.tsv, "
                "CASE WHEN d.stemmed THEN q.en ELSE q.simple END) AS score FROM search_docs d, "
                f"{_PG_QUERIES} WHERE d.field < 2 AND d.field = :field AND {_PG_MATCH} "
                f"AND {allowed} ORDER BY score LIMIT :limit"
            )
        stmt = text(sql).bindparams(*expanding)
        rows = (await self._s.execute(stmt, {**params, "q": q, "field": int(field)})).all()
        return [
            Match(int(i), Kind(k), str(r), field, float(score), st, _times(t))
            for i, k, r, st, t, score in rows
        ]

    async def _said(
        self,
        params: dict[str, object],
        allowed: str,
        expanding: tuple[BindParameter[Any], ...],
        things: int,
    ) -> list[Match]:
        """Captions that say it, newest first, read in batches in the index's order until
        `things` episodes are found (or SAID_MAX captions read): the first moment of each
        episode that says it, episodes in the order met (a score of their rank)."""
        episodes: dict[str, Match] = {}
        tables = [_fts(True, True), _fts(False, True)] if self._sqlite else [""]
        for table in tables:
            before, read = 2**31 - 1, 0  # ids are 32-bit integers (an Integer column)
            while len(episodes) < things and read < SAID_MAX:
                if self._sqlite:
                    sql = (
                        f"SELECT d.id, d.ref, d.start, d.times FROM {table} JOIN search_docs d "
                        f"ON d.id = {table}.rowid WHERE {table} MATCH :q AND {table}.rowid < "
                        f":before AND {allowed} ORDER BY {table}.rowid DESC LIMIT :batch"
                    )
                else:
                    sql = (
                        f"SELECT d.id, d.ref, d.start, d.times FROM search_docs d, {_PG_QUERIES} "
                        f"WHERE d.field = 2 AND {_PG_MATCH} AND d.id < :before AND {allowed} "
                        "ORDER BY d.id DESC LIMIT :batch"
                    )
                stmt = text(sql).bindparams(*expanding)
                batch = {**params, "before": before, "batch": SAID_BATCH, "kinds": ["episode"]}
                rows = (await self._s.execute(stmt, batch)).all()
                for i, ref, start, times in rows:
                    held = episodes.get(str(ref))
                    rank = float(len(episodes)) if held is None else held.score
                    if held is None or (start or 0) < (held.start or 0):
                        episodes[str(ref)] = Match(
                            int(i), Kind.EPISODE, str(ref), Field.SAID, rank, start, _times(times)
                        )
                read += len(rows)
                if len(rows) < SAID_BATCH:
                    break
                before = int(rows[-1][0])
        return list(episodes.values())

    async def snippets(
        self, query: Query, doc_ids: Sequence[int], *, said: bool = False
    ) -> dict[int, str]:
        """Highlighted excerpts of these title and text documents (HIT_START/HIT_END around
        the hits); `said`: of these captions, each whole."""
        whole = said
        if not doc_ids:
            return {}
        found: dict[int, str] = {}
        ids = list(doc_ids)
        if self._sqlite:
            for table in (_fts(True, said), _fts(False, said)):
                mark = (
                    f"highlight({table}, 0, :a, :b)"
                    if whole
                    else f"snippet({table}, 0, :a, :b, '…', 16)"
                )
                stmt = text(
                    f"SELECT rowid, {mark} FROM {table} WHERE {table} MATCH :q AND rowid IN :ids"
                ).bindparams(bindparam("ids", expanding=True))
                rows = await self._s.execute(
                    stmt,
                    {"q": f"{{body}}: ({fts5(query)})", "ids": ids, "a": HIT_START, "b": HIT_END},
                )
                found.update({int(i): str(s) for i, s in rows.all()})
            return found
        stmt = text(
            "SELECT d.id, ts_headline(CASE WHEN d.stemmed THEN 'roomcast_en' ELSE "
            "'roomcast_simple' END::regconfig, d.body, CASE WHEN d.stemmed THEN "
            "to_tsquery('roomcast_en', :q) ELSE to_tsquery('roomcast_simple', :q) END, "
            ":options) FROM search_docs d WHERE d.id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        options = f"StartSel={HIT_START}, StopSel={HIT_END}, MaxWords=24, MinWords=8"
        if whole:
            options += ", HighlightAll=true"
        rows = await self._s.execute(stmt, {"q": tsquery(query), "ids": ids, "options": options})
        return {int(i): str(s) for i, s in rows.all()}


_PG_QUERIES = (
    "(SELECT to_tsquery('roomcast_en', :q) AS en, to_tsquery('roomcast_simple', :q) AS simple) q"
)
_PG_MATCH = "((d.stemmed AND d.tsv @@ q.en) OR (NOT d.stemmed AND d.tsv @@ q.simple))"


def _times(raw: str | None) -> tuple[float, ...]:
    try:
        said = json.loads(raw) if raw else []
    except ValueError:
        return ()
    return tuple(float(t) for t in said if isinstance(t, int | float))
