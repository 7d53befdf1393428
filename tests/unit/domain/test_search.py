"""What people type becomes engine queries with no syntax getting through; matches become
results in the right order; snippets are pieces of text."""

from __future__ import annotations

from roomcast.domain import search as s
from roomcast.domain.search import Field, Kind, Match


def test_parse_words_phrases_and_noise() -> None:
    q = s.parse('Café "Free Jazz" NEAR(x) -y jazz* ja*')
    assert q.phrases == (("cafe",), ("free", "jazz"), ("near",), ("x",), ("y",), ("jazz",), ("ja",))
    assert [t.prefix for t in q.terms] == [False, False, False, False, False, True, False]
    assert s.parse('"" * ( ) : ^ - AND').phrases == (("and",),)
    assert s.parse("").empty and s.parse('"""').empty and s.parse("___").empty
    assert len(s.parse(" ".join(f"w{i}" for i in range(50))).phrases) == s.MAX_TERMS
    assert s.parse('"open phrase').phrases == (("open", "phrase"),)
    assert not any(t.prefix for t in s.parse('"jazz*"').terms)  # in a phrase: a word


def test_engine_queries_quote_everything() -> None:
    q = s.parse('run "late night" AND tact*')
    assert s.fts5(q) == '"run" AND "late night" AND "and" AND "tact" *'
    assert s.tsquery(q) == "'run' & 'late' <-> 'night' & 'and' & 'tact':*"
    hostile = s.parse("'; DROP TABLE x; -- \" OR 1=1 ( ) * : ^ <-> & | !")
    assert all(c.isalnum() or c in "'\" *<->&:" for c in s.fts5(hostile) + s.tsquery(hostile))
    for word in (w for p in hostile.phrases for w in p):
        assert word.isalnum()


def test_folding() -> None:
    assert s.fold("Café CRÈME ñ Straße") == "cafe creme n strasse"


def test_best_match_per_thing() -> None:
    ms = [
        Match(1, Kind.EPISODE, "a", Field.SAID, -9.0, 10.0),
        Match(2, Kind.EPISODE, "a", Field.TITLE, -1.0),
        Match(3, Kind.EPISODE, "b", Field.TEXT, -5.0),
        Match(4, Kind.PERSON, "b", Field.TITLE, -0.5),
        Match(5, Kind.EPISODE, "c", Field.SAID, -7.0, 3.0),
        Match(6, Kind.EPISODE, "c", Field.SAID, -8.0, 9.0),
    ]
    best = s.best_per_thing(ms, 10)
    assert [(m.kind, m.ref, m.doc_id) for m in best] == [
        (Kind.EPISODE, "a", 2),  # a title match beats everything said
        (Kind.PERSON, "b", 4),
        (Kind.EPISODE, "b", 3),
        (Kind.EPISODE, "c", 6),  # the better of two captions
    ]
    assert len(s.best_per_thing(ms, 2)) == 2


def test_snippets_and_where_it_was_said() -> None:
    a, b = s.HIT_START, s.HIT_END
    marked = f"then {a}tactics{b} came up {a}at{b} last"
    assert s.snippet(marked) == (
        ("then ", False),
        ("tactics", True),
        (" came up ", False),
        ("at", True),
        (" last", False),
    )
    assert s.plain(s.snippet(marked)) == "then tactics came up at last"
    times = (10.0, 10.5, 11.0, 11.5, 12.0, 12.5)
    assert s.said_at(marked, 10.0, times) == 10.5
    assert s.said_at(f"{a}then{b} tactics", 10.0, times) == 10.0
    assert s.said_at(f"don'{a}t{b} go", 10.0, times) == 10.0  # a hit inside the first word
    assert s.said_at("no hit", 10.0, times) == 10.0
    assert s.said_at(marked, 10.0, ()) == 10.0
    assert s.snippet("") == ()
