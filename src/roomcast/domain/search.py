"""Search: what is indexed (documents), how a query people type becomes one the engine
reads (SQLite FTS5 or PostgreSQL tsquery) without any of its syntax getting through, and
how matches become results. Pure; the store runs the queries (store/repos/search.py).

Every searchable thing is a few documents, one per field: its title, its text (a room's or
an episode's description, a bio), and for an episode each caption of what was said, with
its start. A title match ranks above a text match, which ranks above something said; the
engine's relevance orders title and text matches, and the newest episodes come first
among things said. English is stemmed ("running" finds
"runs"), other languages are matched word for word; accents are folded on both engines.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_QUERY = 200  # characters: longer queries are refused at the edge
MAX_TERMS = 12
MIN_PREFIX = 3  # "ja*" and shorter are words, not prefixes
HIT_START, HIT_END = "\x02", "\x03"  # the engines' highlight markers: never in stored text
STEMMED = frozenset({"en"})  # languages searched with stemming


class Kind(enum.StrEnum):
    ROOM = "room"  # live now
    EVENT = "event"  # scheduled
    PERSON = "person"
    CLUB = "club"
    EPISODE = "episode"


class Field(enum.IntEnum):
    """Also the rank: a lower field beats a higher one."""

    TITLE = 0
    TEXT = 1
    SAID = 2


@dataclass(frozen=True, slots=True)
class Doc:
    """One field of something searchable, and who may find it."""

    kind: Kind
    ref: str
    field: Field
    body: str
    language: str = "en"
    start: float | None = None  # where in an episode this was said (seconds)
    times: tuple[float, ...] = ()  # and each of its words (body is the words, one space apart)
    owner_id: int | None = None  # its host or person: hidden across blocks
    club_id: int | None = None
    members_only: bool = False  # found by the club's members only
    hidden: bool = False  # not to be found now (an unpublished episode)

    @property
    def stemmed(self) -> bool:
        return self.language.lower().split("-")[0] in STEMMED


@dataclass(frozen=True, slots=True)
class Term:
    """A word, or a quoted phrase (several), all of which a match must have; `prefix`: the
    word was typed with a star ("jazz*"), and words it begins match too."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    """What someone typed, as terms."""

    terms: tuple[Term, ...]

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def phrases(self) -> tuple[tuple[str, ...], ...]:
        return tuple(t.words for t in self.terms)


_WORD = re.compile(r"(\w+)(\*?)", re.UNICODE)


def fold(text: str) -> str:
    """Case and accents away ("Café" -> "cafe"), as both engines fold the indexed text."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse(text: str) -> Query:
    """Words, "quoted phrases" and word* prefixes; everything else people type (FTS
    operators, brackets, colons, quotes left open) is only a separator. At most MAX_TERMS
    words. (A prefix is only matched when asked for with its star, and in titles and texts
    only: a common prefix over every caption would read most of the index.)"""
    terms: list[Term] = []
    count = 0
    for i, part in enumerate(text.split('"')):
        found = [(fold(w), star == "*") for w, star in _WORD.findall(part)]
        found = [(w, star) for w, star in found if w.strip("_")]
        if not found:
            continue
        if i % 2 == 1:  # inside quotes: a phrase
            words = tuple(w for w, _ in found[: MAX_TERMS - count])
            if words:
                terms.append(Term(words))
                count += len(words)
        else:
            for w, star in found[: MAX_TERMS - count]:
                terms.append(Term((w,), prefix=star and len(w) >= MIN_PREFIX))
                count += 1
        if count >= MAX_TERMS:
            break
    return Query(tuple(terms))


def fts5(query: Query) -> str:
    """An FTS5 MATCH expression: every word a quoted string (so nothing in it is syntax),
    phrases as phrases, all of them required."""
    parts = []
    for term in query.terms:
        quoted = '"' + " ".join(term.words).replace('"', "") + '"'
        parts.append(quoted + " *" if term.prefix else quoted)
    return " AND ".join(parts)


def tsquery(query: Query) -> str:
    """A to_tsquery() text: words quoted as lexemes, phrases with <->, all required."""
    parts = []
    for term in query.terms:
        words = [f"'{w}'" for w in term.words]  # \w+ only: no quote can be inside
        if term.prefix:
            words[-1] += ":*"
        parts.append(" <-> ".join(words))
    return " & ".join(parts)


@dataclass(frozen=True, slots=True)
class Match:
    """One matching document, as the engine ranked it (lower `score` first)."""

    doc_id: int
    kind: Kind
    ref: str
    field: Field
    score: float
    start: float | None = None
    times: tuple[float, ...] = ()


def best_per_thing(matches: Iterable[Match], limit: int) -> list[Match]:
    """The best match of each thing (kind, ref): the best field first, then the engine's
    score; things in that order."""
    best: dict[tuple[Kind, str], Match] = {}
    for m in matches:
        key = (m.kind, m.ref)
        held = best.get(key)
        if held is None or (m.field, m.score) < (held.field, held.score):
            best[key] = m
    ordered = sorted(best.values(), key=lambda m: (m.field, m.score, m.kind.value, m.ref))
    return ordered[:limit]


Snippet = tuple[tuple[str, bool], ...]  # (text, is it a hit) pieces


def snippet(marked: str) -> Snippet:
    """An engine's highlighted text (HIT_START ... HIT_END around hits) as pieces, so that
    pages build it from text nodes and never from HTML."""
    pieces: list[tuple[str, bool]] = []
    for i, part in enumerate(marked.split(HIT_START)):
        hit, _, rest = part.partition(HIT_END) if i else ("", "", part)
        if hit:
            pieces.append((hit, True))
        if rest:
            pieces.append((rest.replace(HIT_END, ""), False))
    return tuple(pieces)


def said_at(marked: str, start: float, times: Sequence[float]) -> float:
    """When the first hit in a caption was said: the start of the word it is in (the
    caption's body is its words one space apart, `times` their starts)."""
    before = marked.split(HIT_START, 1)[0].replace(HIT_END, "")
    if not times or HIT_START not in marked:
        return start
    k = len(before.split()) - (0 if not before or before[-1].isspace() else 1)
    return times[min(max(k, 0), len(times) - 1)]


def plain(pieces: Sequence[tuple[str, bool]]) -> str:
    return "".join(t for t, _ in pieces)
