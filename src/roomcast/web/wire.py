"""JSON shapes of domain values on the wire (WebSocket messages and API bodies).

Pydantic serialises the domain's frozen dataclasses directly, so there is one definition of
each update; clients tell them apart by their ``type`` field.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from roomcast.domain.updates import (
    HallwayRoomChanged,
    HallwayRoomRemoved,
    HallwaySnapshot,
    RoomSnapshot,
    RoomUpdate,
)

RoomUpdateWire = Annotated[RoomUpdate, Field(discriminator="type")]
HallwayUpdateWire = Annotated[HallwayRoomChanged | HallwayRoomRemoved, Field(discriminator="type")]

room_snapshot = TypeAdapter(RoomSnapshot)
room_update: TypeAdapter[Any] = TypeAdapter(RoomUpdateWire)
hallway_snapshot = TypeAdapter(HallwaySnapshot)
hallway_update: TypeAdapter[Any] = TypeAdapter(HallwayUpdateWire)


def dump(adapter: TypeAdapter[Any], value: object) -> dict[str, Any]:
    out: dict[str, Any] = adapter.dump_python(value, mode="json")
    return out
