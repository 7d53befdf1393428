"""Media commands cross a process boundary as JSON and come back equal."""

from __future__ import annotations

import pytest

from roomcast.media.commands import CloseRoom, Drop, Mark, Record, SetCanSpeak, decode, encode

COMMANDS = [
    SetCanSpeak("r1", "u2", True),
    SetCanSpeak("r1", "gAbC-_", False),
    Drop("r1", "u2"),
    CloseRoom("r1"),
    Record("r1", "/data/recordings/r1"),
    Record("r1", None),
    Mark("r1", "Questions from the audience — \u00e9t\u00e9 🎙️"),
]


@pytest.mark.parametrize("command", COMMANDS)
def test_round_trip(command: object) -> None:
    assert decode(encode(command)) == command  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text", ["", "{}", '{"op": "explode"}', '{"op": "drop"}', '{"op": "drop", "x": 1}', "[]"]
)
def test_garbage_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        decode(text)
