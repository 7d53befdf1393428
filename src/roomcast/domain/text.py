"""Text people type: what XML cannot carry, controls that reorder what others read, names
made of invisible characters, and look-alike names (Unicode UTS #39 skeletons).

Pure functions. The edge (web/schemas.py) refuses bad text with these; the feed makes text
stored before these rules safe with `xml_safe`.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from roomcast.domain.confusables import PROTOTYPES

# XML 1.0 allows #x9 #xA #xD [#x20-#xD7FF] [#xE000-#xFFFD] [#x10000-#x10FFFF] and nothing else
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# embeddings, overrides and isolates reorder the text after them ("Trojan Source")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
BIDI_MARKS = frozenset("\u200e\u200f\u061c")
ZWNJ, ZWJ = "\u200c", "\u200d"
# Unicode's Default_Ignorable_Code_Point characters that are not format (Cf) characters,
# plus blanks that render as nothing: each has made "invisible" names elsewhere
_BLANKS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0\u2800")
_VARIATION = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_TAG = re.compile("[\U000e0020-\U000e007f]")  # emoji tag sequences (subdivision flags)


def xml_safe(text: str) -> str:
    """The text without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text)


def text_problem(text: str, *, multiline: bool) -> str | None:
    """Why this text cannot be stored, or None. Newlines and tabs only in long text."""
    for c in text:
        if c in "\n\t":
            if not multiline:
                return "must be a single line"
        elif _NOT_XML.match(c) or unicodedata.category(c) == "Cc":
            return "must not contain control or non-characters"
        elif c in BIDI_CONTROLS:
            return "must not contain bidirectional override or isolate controls"
    return None


def _ignorable(c: str) -> bool:
    return unicodedata.category(c) == "Cf" or c in _BLANKS or bool(_VARIATION.match(c))


def clean_name(name: str) -> str:
    """A display name as stored: NFKC, single spaces, nothing invisible or reordering.
    Raises ValueError saying what is wrong. Joiners stay where emoji and scripts need them
    (between two visible characters), variation selectors and tags after a visible one."""
    name = unicodedata.normalize("NFKC", name)
    problem = text_problem(name, multiline=False)
    if problem:
        raise ValueError(problem)
    name = " ".join(name.split())  # spaces of every width, one at a time
    visible = False
    for i, c in enumerate(name):
        category = unicodedata.category(c)
        if c in BIDI_MARKS:
            raise ValueError("must not contain direction marks")
        if category in ("Co", "Cn", "Cs", "Zl", "Zp"):
            raise ValueError("must not contain unassigned or private-use characters")
        before = name[i - 1] if i else ""
        after = name[i + 1] if i + 1 < len(name) else ""
        if c in (ZWJ, ZWNJ):
            if not (_shows(before) and _shows(after)):
                raise ValueError("must not contain invisible characters")
        elif _VARIATION.match(c) or _TAG.match(c):
            if not (_shows(before) or _TAG.match(before) or _VARIATION.match(before)):
                raise ValueError("must not contain invisible characters")
        elif _ignorable(c):
            raise ValueError("must not contain invisible characters")
        elif category[0] in "LNSP":
            visible = True
    if not visible:
        raise ValueError("must contain a visible character")
    return name


def _shows(c: str) -> bool:
    return bool(c) and not c.isspace() and not _ignorable(c) and not _TAG.match(c)


def skeleton(text: str) -> str:
    """UTS #39 skeleton: two strings that look alike have the same one. For comparing only,
    never for display."""
    decomposed = unicodedata.normalize("NFD", text)
    mapped = "".join(PROTOTYPES.get(c, c) for c in decomposed if not _ignorable(c))
    return unicodedata.normalize("NFD", mapped)


@functools.lru_cache(maxsize=8192)
def name_key(display_name: str) -> str:
    """What a name looks like, case aside: equal keys in one room mean people could be
    mistaken for each other, so clients show the @username beside the name."""
    # before casefolding too, or "I" (which looks like "l") would become "i"
    return skeleton(skeleton(unicodedata.normalize("NFKC", display_name)).casefold())
