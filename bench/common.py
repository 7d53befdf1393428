"""Shared by the benchmarks: machine description, percentiles, the JSON last line."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def report(name: str, figures: dict[str, Any]) -> None:
    """Print figures for people, then one JSON object as the last line for machines."""
    for k, v in figures.items():
        print(f"  {k}: {v}")
    print(json.dumps({"bench": name, "machine": machine(), **figures}))


def sox_wav(path: Path, *effects: str) -> Path:
    """A 48 kHz 16-bit mono WAV made by sox from nothing: `sox -n ... path EFFECTS`."""
    subprocess.run(
        ["sox", "-n", "-r", "48000", "-b", "16", "-c", "1", str(path), *effects], check=True
    )
    return path


def sox_beeps(path: Path, seconds: int) -> Path:
    """100 ms 1 kHz beeps, one a second: clear onsets for latency measurements."""
    return sox_wav(
        path,
        "synth",
        "0.1",
        "sine",
        "1000",
        "vol",
        "0.5",
        "pad",
        "0",
        "0.9",
        "repeat",
        str(seconds - 1),
    )


@contextmanager
def database(kind: str, url: str | None) -> Iterator[str | None]:
    """--database-url as given; or, with --postgres, a PostgreSQL started for this run from
    the local binaries (as the tests do); None: SQLite in the run's temporary folder."""
    if url or kind != "postgres":
        yield url
        return
    from tests.postgres import temporary_postgres
    from tests.tools import postgres_bindir

    bindir = postgres_bindir()
    if bindir is None:
        raise SystemExit("--postgres: no PostgreSQL binaries (initdb) found")
    with temporary_postgres(bindir) as admin:
        yield admin
