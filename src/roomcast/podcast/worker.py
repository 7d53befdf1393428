"""Worker processes for the heavy work after a room: one fresh, low-priority process per
job, which dies with the server. What they run takes and returns plain values (paths,
numbers, tuples), so that they cross the process boundary by pickling.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import pickle
import signal
from collections.abc import Callable
from contextlib import suppress
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from roomcast.podcast import postproduction, transcribe


class WorkerDied(Exception):
    """The worker process ended without an answer (killed, out of memory)."""


def _init_worker() -> None:
    os.nice(10)  # live rooms' 20 ms clock comes first
    with suppress(OSError, AttributeError):  # Linux: die with the server, even on SIGKILL
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


PR_SET_PDEATHSIG = 1


def _child(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    _init_worker()
    try:
        result: tuple[bool, Any] = (True, fn(*args))
    except Exception as e:  # sent back to be raised in the server
        try:
            pickle.dumps(e)
            result = (False, e)
        except Exception:
            result = (False, RuntimeError(f"{type(e).__name__}: {e}"))
    conn.send(result)
    conn.close()


def _receive(conn: Connection, proc: BaseProcess) -> tuple[bool, Any]:
    try:
        answer: tuple[bool, Any] = conn.recv()
        return answer
    except EOFError:
        proc.join(5)
        raise WorkerDied(f"the worker process exited ({proc.exitcode})") from None


async def in_worker(fn: Callable[..., Any], *args: Any) -> Any:
    """Run fn(*args) in a fresh process (spawned: no inherited threads or sockets), at
    low priority. One process per job: memory goes back when it ends, and a stuck or
    crashing job cannot take the server with it. Cancelling kills the process."""
    mp = multiprocessing.get_context("spawn")
    parent, child = mp.Pipe(duplex=False)
    proc = mp.Process(target=_child, args=(child, fn, args), daemon=True, name="roomcast-job")
    proc.start()
    child.close()
    waiting = asyncio.ensure_future(asyncio.to_thread(_receive, parent, proc))
    try:
        ok, value = await asyncio.shield(waiting)
    except asyncio.CancelledError:
        proc.kill()
        with suppress(Exception):
            await waiting
        raise
    finally:
        parent.close()
        await asyncio.to_thread(proc.join, 10)
    if not ok:
        raise value
    return value


def produce(folder: Path, out: Path, options: postproduction.Options) -> Any:
    return postproduction.produce(folder, out, options)


def transcript_words(engine: str, audio: Path) -> list[tuple[float, float, str]]:
    t = transcribe.engine(engine)
    if t is None:
        return []
    return [(w.start, w.end, w.text) for w in t.transcribe(audio)]
