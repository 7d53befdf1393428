"""House rules of imports: the domain is pure; web reaches storage only through actions."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "roomcast"


def imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (SRC / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[str(path.relative_to(SRC))] = names
    return found


def test_domain_is_pure() -> None:
    allowed_stdlib = {
        "__future__",
        "dataclasses",
        "datetime",
        "enum",
        "typing",
        "collections",
        "collections.abc",
        # pure computations: text rules, keyed hashes for identities
        "re",
        "unicodedata",
        "html",  # entities in text read back (captions)
        "functools",  # caches of pure functions (name keys)
        "base64",
        "hashlib",
        "hmac",
        # time zone rules are data: the tz database, read-only
        "zoneinfo",
    }
    for module, names in imports("domain").items():
        for name in names:
            ok = (
                name in allowed_stdlib
                or name.startswith("roomcast.domain")
                or name == "roomcast.errors"
            )
            assert ok, f"{module} imports {name}: the domain takes no I/O or framework imports"


def test_web_reaches_the_store_only_through_actions() -> None:
    for module, names in imports("web").items():
        if module == "web/app.py":
            continue  # the composition root builds the store it hands to the actions
        bad = {n for n in names if n.startswith("roomcast.store")}
        assert not bad, f"{module} imports {bad}: go through roomcast.actions"


def test_store_and_actions_know_nothing_of_the_web() -> None:
    for package in ("store", "actions", "domain"):
        for module, names in imports(package).items():
            bad = {n for n in names if n.startswith(("roomcast.web", "fastapi", "starlette"))}
            assert not bad, f"{module} imports {bad}"


def test_the_media_plane_knows_nothing_of_the_control_plane() -> None:
    for module, names in imports("media").items():
        bad = {
            n
            for n in names
            if n.startswith(
                ("roomcast.actions", "roomcast.store", "roomcast.domain", "roomcast.web")
            )
        }
        assert not bad, f"{module} imports {bad}: the media plane knows rooms and peers only"


def test_after_the_room_work_stays_apart() -> None:
    """podcast/ (post-production, speech to text, covers, worker processes) knows nothing of
    the store, the actions or the web; the live media plane does not import it."""
    for module, names in imports("podcast").items():
        bad = {
            n for n in names if n.startswith(("roomcast.actions", "roomcast.store", "roomcast.web"))
        }
        assert not bad, f"{module} imports {bad}"
    for module, names in imports("media").items():
        bad = {n for n in names if n.startswith("roomcast.podcast")}
        assert not bad, f"{module} imports {bad}: the 20 ms path stays lean"


def test_store_and_the_media_plane_meet_only_in_commands() -> None:
    for module, names in imports("store").items():
        bad = {
            n for n in names if n.startswith("roomcast.media") and n != "roomcast.media.commands"
        }
        assert not bad, f"{module} imports {bad}"
