"""The search index: documents in `search_docs`, and each engine's full-text index over
them (migration 0014). SQLite: two FTS5 tables over the documents as external content,
one stemmed (porter) for English, one not; PostgreSQL: a tsvector per document, made with
an unaccenting English or simple configuration, under a GIN index."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from roomcast.domain.search import HIT_END, HIT_START, Doc, Field, Kind, Match, Query, fts5, tsquery
from roomcast.store.tables import SearchDocRow

# Table and configuration names below are these constants: the SQL built with them (S608)
# takes everything from outside as bound parameters.
FTS = {True: "search_fts_en", False: "search_fts_any"}  # by "stemmed"
CONFIG = {True: "roomcast_en", False: "roomcast_simple"}
CANDIDATES = 300  # matches looked at per engine table: the best field comes first anyway


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
            for stemmed, table in FTS.items():
                pairs = [
                    {"id": i, "body": r["body"]}
                    for i, r in zip(ids, rows, strict=True)
                    if r["stemmed"] is stemmed
                ]
                if pairs:
                    await self._s.execute(
                        text(f"INSERT INTO {table}(rowid, body) VALUES (:id, :body)"), pairs
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
                    select(SearchDocRow.id, SearchDocRow.body, SearchDocRow.stemmed).where(*where)
                )
            ).all()
            for stemmed, table in FTS.items():
                gone = [{"id": i, "body": b} for i, b, s in old if bool(s) is stemmed]
                if gone:
                    await self._s.execute(
                        text(
                            f"INSERT INTO {table}({table}, rowid, body) "
                            "VALUES ('delete', :id, :body)"
                        ),
                        gone,
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
    ) -> list[Match]:
        """The documents that match, best field first then the engine's relevance, that
        this viewer may find (not hidden, members-only ones of their clubs, none of people
        in a block with them)."""
        if query.empty or not kinds:
            return []
        params = {
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
        if self._sqlite:
            parts = []
            for table in FTS.values():
                parts.append(
                    f"SELECT * FROM (SELECT d.id, d.kind, d.ref, d.field, d.start, d.times, "
                    f"bm25({table}) AS score FROM {table} JOIN search_docs d "
                    f"ON d.id = {table}.rowid WHERE {table} MATCH :q AND {allowed} "
                    "ORDER BY d.field, score LIMIT :limit)"
                )
            sql = " UNION ALL ".join(parts)
            params["q"] = fts5(query)
        else:
            sql = (
                "SELECT d.id, d.kind, d.ref, d.field, d.start, d.times, -ts_rank(d.tsv, "
                "CASE WHEN d.stemmed THEN q.en ELSE q.simple END) AS score FROM search_docs d, "
                "(SELECT to_tsquery('roomcast_en', :q) AS en, "
                "to_tsquery('roomcast_simple', :q) AS simple) q "
                "WHERE ((d.stemmed AND d.tsv @@ q.en) OR (NOT d.stemmed AND d.tsv @@ q.simple)) "
                f"AND {allowed} ORDER BY d.field, score LIMIT :limit"
            )
            params["q"] = tsquery(query)
        stmt = text(sql).bindparams(
            bindparam("kinds", expanding=True),
            bindparam("clubs", expanding=True),
            bindparam("owners", expanding=True),
        )
        rows = (await self._s.execute(stmt, params)).all()
        return [
            Match(int(i), Kind(k), str(r), Field(int(f)), float(score), s, _times(t))
            for i, k, r, f, s, t, score in rows
        ]

    async def snippets(
        self, query: Query, doc_ids: Sequence[int], *, whole: bool = False
    ) -> dict[int, str]:
        """Highlighted excerpts of these documents (HIT_START/HIT_END around the hits);
        `whole`: all of each text (short ones: captions), not an excerpt."""
        if not doc_ids:
            return {}
        found: dict[int, str] = {}
        ids = list(doc_ids)
        if self._sqlite:
            for table in FTS.values():
                mark = (
                    f"highlight({table}, 0, :a, :b)"
                    if whole
                    else f"snippet({table}, 0, :a, :b, '…', 16)"
                )
                stmt = text(
                    f"SELECT rowid, {mark} FROM {table} WHERE {table} MATCH :q AND rowid IN :ids"
                ).bindparams(bindparam("ids", expanding=True))
                rows = await self._s.execute(
                    stmt, {"q": fts5(query), "ids": ids, "a": HIT_START, "b": HIT_END}
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


def _times(raw: str | None) -> tuple[float, ...]:
    try:
        said = json.loads(raw) if raw else []
    except ValueError:
        return ()
    return tuple(float(t) for t in said if isinstance(t, int | float))
