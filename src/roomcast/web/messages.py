"""Validation errors in words for people: what to type, per field, instead of a regex.

Pydantic's messages are for developers ("String should match pattern '^[A-Za-z0-9_]+$'");
forms show these instead, next to each field, all at once. The API keeps pydantic's
`type` too, for programs.
"""

from __future__ import annotations

from typing import Any

# (the field's last name, pydantic's error type) -> the sentence; None: any type of error
HINTS: dict[tuple[str, str | None], str] = {
    ("username", "string_pattern_mismatch"): "Usernames use letters, digits and _ only.",
    ("language", "string_pattern_mismatch"): "Use a language code such as en, fr or pt-BR.",
    ("url", "string_pattern_mismatch"): "Use a web address starting with https://.",
    ("email", None): "Use an email address such as name@example.com.",
}
LABELS = {
    "display_name": "Display name",
    "current_password": "Current password",
    "new_password": "New password",
}


def label(field: str) -> str:
    name = field.rsplit(".", 1)[-1]
    return LABELS.get(name, name.replace("_", " ").capitalize())


def human(error: dict[str, Any]) -> str:
    """One pydantic error as a sentence about its field."""
    loc = [str(p) for p in error.get("loc", ()) if p != "body"]
    name = loc[-1] if loc else ""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    hint = HINTS.get((name, kind)) or HINTS.get((name, None))
    if hint:
        return hint
    match kind:
        case "missing":
            return "This is required."
        case "string_too_short" if ctx.get("min_length") == 1:
            return "This cannot be empty."
        case "string_too_short":
            return f"Use at least {ctx.get('min_length')} characters."
        case "string_too_long":
            return f"Use at most {ctx.get('max_length')} characters."
        case "too_short" | "too_long":
            return str(error.get("msg", "Wrong number of items."))
        case "value_error":  # our own validators' words ("Value error, …")
            return str(error.get("msg", "")).removeprefix("Value error, ")
    return str(error.get("msg", "Not valid."))
