"""Text rules: XML-safe text, no reordering controls, visible names, look-alike names."""

from __future__ import annotations

import pytest

from roomcast.domain.text import clean_name, name_key, skeleton, text_problem, xml_safe


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("plain", "plain"),
        ("a\uffffb", "ab"),
        ("a\ufffeb\x0b\x00c", "abc"),
        ("tab\tnew\nline\r", "tab\tnew\nline\r"),
        ("emoji 🎙️ and 李", "emoji 🎙️ and 李"),
        ("lone \ud800 surrogate", "lone  surrogate"),
    ],
)
def test_xml_safe(raw: str, safe: str) -> None:
    assert xml_safe(raw) == safe


@pytest.mark.parametrize(
    ("text", "multiline", "problem"),
    [
        ("fine text", False, None),
        ("two\nlines", False, "single line"),
        ("two\nlines\tand a tab", True, None),
        ("bell\x07", True, "control"),
        ("del\x7f", True, "control"),
        ("nonchar\uffff", True, "control"),
        ("\u202eevil", True, "bidirectional"),
        ("x\u2067y", True, "bidirectional"),
        ("a right-to-left mark \u200f is fine in text", True, None),
    ],
)
def test_text_problem(text: str, multiline: bool, problem: str | None) -> None:
    found = text_problem(text, multiline=multiline)
    assert (found is None) if problem is None else (found is not None and problem in found)


@pytest.mark.parametrize(
    "bad",
    [
        "\u3164",
        "\u2800",
        "a\u200bb",
        "\u200dx",
        "x\u200d",
        "\ufeffname",
        "soft\u00adhyphen",
        "\u200fname",
        "\ue000",
        "\u202ename",
        "   ",
        "\ufe0f",
    ],
)
def test_names_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        clean_name(bad)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Ada", "Ada"),
        ("  Ada   Lovelace ", "Ada Lovelace"),
        ("\uff21\uff44\uff41", "Ada"),  # fullwidth letters, NFKC
        ("Zoe\u0308", "Zoë"),  # composed
        ("👩\u200d💻 Dev", "👩\u200d💻 Dev"),  # an emoji ZWJ sequence
        ("مریم\u200cجان", "مریم\u200cجان"),  # a Persian name with a ZWNJ
        ("❤\ufe0f", "❤\ufe0f"),
        ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", None),  # a flag
    ],
)
def test_names_kept(raw: str, clean: str | None) -> None:
    assert clean_name(raw) == (clean if clean is not None else raw)


def test_look_alike_names_share_a_key() -> None:
    assert name_key("PayPal") == name_key("P\u0430yP\u0430l")  # Cyrillic а
    assert name_key("Sam") == name_key("sam") == name_key("ｓａｍ")
    assert name_key("Ɩeo") == name_key("leo") == name_key("Ieo") == name_key("1eo")
    assert name_key("rnary") == name_key("mary")
    assert name_key("Ana") != name_key("Anna")
    assert name_key("Sam") != name_key("Pam")
    assert skeleton("a\u200bb") == skeleton("ab")  # invisible characters do not count
