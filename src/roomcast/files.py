"""Durable file writes, for both planes: a file is either complete on disk or absent."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """Make a rename in this folder survive a power cut."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, data: bytes, *, sync_dir: bool = True) -> Path:
    """Write to a temporary name, fsync, rename into place (and fsync the folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    if sync_dir:
        fsync_dir(path.parent)
    return path


def drawn_once(folder: Path, key: str, draw: Callable[[], bytes]) -> Path:
    """`folder/generated-HASH.jpg`, HASH of `key`, drawn by `draw` the first time it is
    asked for (earlier drawings in the folder removed): a cover drawn from a title is kept
    until the title changes."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    path = folder / f"generated-{digest}.jpg"
    if not path.exists():
        write_durably(path, draw())
        for stale in folder.glob("generated-*.jpg"):
            if stale != path:
                stale.unlink(missing_ok=True)
    return path
