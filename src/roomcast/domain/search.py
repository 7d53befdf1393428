"""Search: what is indexed (documents), how a query people type becomes one the engine
reads (SQLite FTS5 or PostgreSQL tsquery) without any of its syntax getting through, and
how matches become results. Pure; the store runs the queries (store/repos/search.py).

Every searchable thing is a few documents, one per field: its title, its text (a room's or
an episode's description, a bio), and for an episode each caption of what was said, with
its start. A title match ranks above a text match, which ranks above something said; the
engine's relevance orders matches within a field. English is stemmed ("running" finds
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
class Query:
    """What someone typed, as words and quoted phrases (each a tuple of words)."""

    phrases: tuple[tuple[str, ...], ...]
    prefix: bool  # the last word was still being typed: match it as a prefix

    @property
    def empty(self) -> bool:
        return not self.phrases


_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Case and accents away ("Café" -> "cafe"), as both engines fold the indexed text."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse(text: str) -> Query:
    """Words and "quoted phrases"; everything else people type (FTS operators, brackets,
    stars, colons, quotes left open) is only a separator. At most MAX_TERMS words."""
    phrases: list[tuple[str, ...]] = []
    count = 0
    for i, part in enumerate(text.split('"')):
        words = [fold(w) for w in _WORD.findall(part)]
        words = [w for w in words if w.strip("_")]
        if not words:
            continue
        if i % 2 == 1:  # inside quotes
            words = words[: MAX_TERMS - count]
            if words:
                phrases.append(tuple(words))
                count += len(words)
        else:
            for w in words[: MAX_TERMS - count]:
                phrases.append((w,))
                count += 1
        if count >= MAX_TERMS:
            break
    typing = bool(phrases) and len(phrases[-1]) == 1 and not text.rstrip().endswith('"')
    return Query(tuple(phrases), prefix=typing and not text.endswith(" "))


def fts5(query: Query) -> str:
    """An FTS5 MATCH expression: every word a quoted string (so nothing in it is syntax),
    phrases as phrases, all of them required."""
    parts = []
    for i, phrase in enumerate(query.phrases):
        quoted = '"' + " ".join(phrase).replace('"', "") + '"'
        if query.prefix and i == len(query.phrases) - 1:
            quoted += " *"
        parts.append(quoted)
    return " AND ".join(parts)


def tsquery(query: Query) -> str:
    """A to_tsquery() text: words quoted as lexemes, phrases with <->, all required."""
    parts = []
    for i, phrase in enumerate(query.phrases):
        words = [f"'{w}'" for w in phrase]  # \\w+ only: no quote can be inside
        if query.prefix and i == len(query.phrases) - 1:
            words[-1] += ":*"
        parts.append(" <-> ".join(words) if len(words) > 1 else words[0])
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
