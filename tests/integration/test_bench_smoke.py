"""Every benchmark runs, in a tiny smoke mode: an import error or a changed API fails here,
not on the day someone wants figures. No figure is asserted: a benchmark is not a timed
test (bench/RESULTS.md has the figures, from full runs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tools import need_binary

BENCH = Path(__file__).resolve().parents[2] / "bench"

SMOKE = {
    "fanout.py": ["--counts", "2", "--window", "1"],
    "latency.py": ["--beeps", "3"],
    "join.py": ["--joins", "1", "--navs", "1"],
    "stage.py": ["--rounds", "1"],
    "postproduction.py": ["--minutes", "0.2", "--transcribe"],
    "notify.py": ["--followers", "50", "--sockets", "5"],
    "hallway.py": ["--items", "100", "--follows", "10", "--live", "3", "--requests", "5"],
    "search.py": ["--episodes", "12", "--minutes", "1", "--requests", "10"],
    "quality.py": ["--losses", "5", "--seconds", "2"],
}


IN_A_BROWSER = {"latency.py", "join.py"}


def test_every_script_has_a_smoke_mode() -> None:
    scripts = {p.name for p in BENCH.glob("*.py")} - {"common.py", "browser.py"}  # helpers
    assert scripts == set(SMOKE)


@pytest.mark.parametrize("script", sorted(SMOKE))
def test_benchmark_runs(script: str, tmp_path: Path) -> None:
    need_binary("sox")
    if script in IN_A_BROWSER:
        need_binary("chromium", "/usr/bin/chromium")
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *SMOKE[script]],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=BENCH.parent,
        env=env,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    last = json.loads(done.stdout.strip().splitlines()[-1])  # the line for machines
    assert last["bench"] and last["machine"]["cores"]
