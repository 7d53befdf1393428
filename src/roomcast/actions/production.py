"""Background jobs that survive restarts: post-production of ended rooms, then transcripts.

Jobs live in the database (`jobs`). One runner per process claims them in order and runs
the CPU-heavy part in a worker process at low priority, so live rooms keep their clock.
Every output is written to a temporary name and renamed, and the database says "done"
only after, so a crash at any point means the job runs again, harmlessly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import shutil
from dataclasses import replace
from datetime import timedelta

from roomcast.actions import search
from roomcast.actions.context import Context
from roomcast.actions.lanes import run_lane
from roomcast.actions.paths import episode_folder, recording_folder
from roomcast.domain import captions
from roomcast.domain import podcasts as rules
from roomcast.domain.captions import Word
from roomcast.domain.jobs import EPISODE_KINDS, PRODUCE, TRANSCRIBE, Job
from roomcast.domain.model import UserId
from roomcast.domain.podcasts import EpisodeStatus, TranscriptStatus
from roomcast.files import write_durably
from roomcast.podcast import postproduction, transcribe
from roomcast.podcast.worker import WorkerDied, in_worker, produce, transcript_words
from roomcast.store import UnitOfWork

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


def _reason(e: Exception) -> str:
    """What the host is told when a job fails for good (no paths, no internals)."""
    if isinstance(e, OSError):
        return "The server could not write the episode (its disk is full or not writable)."
    if isinstance(e, WorkerDied):
        return "Post-production stopped unexpectedly on the server (out of memory?)."
    return "Post-production failed on the server."


def _finite(x: float) -> float | None:
    return round(x, 2) if math.isfinite(x) else None  # too short to measure: unknown


class JobRunner:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._wake = asyncio.Event()
        self.transcriber = transcribe.engine(ctx.settings.transcriber)
        ctx.wake_jobs = self._wake.set

    async def run(self) -> None:
        await run_lane(self.ctx, "episode jobs", EPISODE_KINDS, self._wake, 1, self._first)

    async def _first(self, jobs: list[Job]) -> None:
        job = jobs[0]  # one at a time: each runs for minutes in a worker process
        await self._run(job.id, job.kind, job.episode_id or "", job.attempts)

    async def _run(self, job_id: int, kind: str, episode_id: str, attempts: int) -> None:
        now = self.ctx.clock
        try:
            if kind == PRODUCE:
                await self._produce(episode_id)
            elif kind == TRANSCRIBE:
                await self._transcript(episode_id)
            else:
                raise ValueError(f"unknown job kind {kind!r}")
        except postproduction.NothingRecorded as e:
            await self._give_up(job_id, kind, episode_id, str(e))
            return
        except Exception as e:
            logger.exception("job %s (%s of episode %s) failed", job_id, kind, episode_id)
            if attempts >= MAX_ATTEMPTS:  # the details are in the log, not on the page
                await self._give_up(job_id, kind, episode_id, _reason(e))
                return
            delay = self.ctx.settings.job_retry_seconds * 4 ** (attempts - 1)
            async with self.ctx.transaction() as uow:
                await uow.jobs.finish(
                    job_id, now(), error=str(e), retry_at=now() + timedelta(seconds=delay)
                )
            return
        async with self.ctx.transaction() as uow:
            await uow.jobs.finish(job_id, now())

    async def _give_up(self, job_id: int, kind: str, episode_id: str, reason: str) -> None:
        async with self.ctx.transaction() as uow:
            await uow.jobs.finish(job_id, self.ctx.clock(), error=reason)
            episode = await uow.episodes.get(episode_id, for_update=True)
            if episode is None:
                return
            if kind == PRODUCE:
                episode = replace(episode, status=EpisodeStatus.FAILED, error=reason)
            else:
                episode = replace(episode, transcript=TranscriptStatus.FAILED)
            await uow.episodes.save(replace(episode, updated_at=self.ctx.clock()))
        logger.warning("episode %s: %s gave up: %s", episode_id, kind, reason)

    async def _names(self, uow: UnitOfWork, keys: list[str]) -> dict[str, str]:
        ids = {k: UserId(int(k[1:])) for k in keys if k.startswith("u") and k[1:].isdigit()}
        people = await uow.users.public(ids.values())
        return {k: people[i].display_name for k, i in ids.items() if i in people}

    async def _produce(self, episode_id: str) -> None:
        ctx = self.ctx
        async with ctx.transaction() as uow:
            episode = await uow.episodes.get(episode_id)
            artist = await uow.users.public([episode.user_id]) if episode else {}
        if episode is None or episode.status is not EpisodeStatus.PROCESSING:
            return  # deleted, or already made by a run that died before saying "done"
        folder = episode_folder(ctx, episode.id)
        options = postproduction.Options(
            bitrate=ctx.settings.episode_bitrate,
            title=episode.title,
            artist=artist[episode.user_id].display_name if artist else "",
        )
        made: postproduction.Produced = await in_worker(
            produce, recording_folder(ctx, episode.room_id), folder / "audio.mp3", options
        )
        timeline = made.timeline
        async with ctx.transaction() as uow:
            names = await self._names(uow, list(timeline.speakers))
        chapters = rules.chapters(timeline.topics, timeline.speakers, names, episode.title)
        write_durably(
            folder / "chapters.json",
            json.dumps(rules.chapters_json(chapters, episode.title), indent=1).encode(),
        )
        write_durably(
            folder / "timeline.json",
            json.dumps({"speakers": timeline.speakers, "names": names}).encode(),
        )
        talk = {k: sum(b - a for a, b in spans) for k, spans in timeline.speakers.items()}
        speakers = tuple(
            UserId(int(k[1:])) for k in sorted(talk, key=lambda k: -talk[k]) if k in names
        )
        supported = self.transcriber is not None and self.transcriber.supports(episode.language)
        async with ctx.transaction() as uow:
            current = await uow.episodes.get(episode.id, for_update=True)
            if current is None:  # deleted while it was being made
                shutil.rmtree(folder, ignore_errors=True)
                return
            now = ctx.clock()
            await uow.episodes.save(
                replace(
                    current,
                    status=EpisodeStatus.PUBLISHED,
                    published_at=current.published_at or now,
                    updated_at=now,
                    duration=round(made.duration, 3),
                    audio_bytes=made.bytes,
                    loudness=_finite(made.loudness),
                    true_peak=_finite(made.true_peak),
                    speakers=speakers,
                    transcript=TranscriptStatus.PENDING
                    if supported
                    else TranscriptStatus.UNSUPPORTED,
                    error=f"{len(made.skipped)} damaged segment(s) skipped"
                    if made.skipped
                    else None,
                )
            )
            published = await uow.episodes.get(episode.id)
            if published is not None:
                await search.episode(uow, published)
            if supported:
                await uow.jobs.add(TRANSCRIBE, episode.id, now, now)  # this runner: no poke
        # the episode is durable now: the segments it was made from can go
        shutil.rmtree(recording_folder(ctx, episode.room_id), ignore_errors=True)
        logger.info(
            "episode %s published: %.1f s, %.1f LUFS, %.1f dBTP",
            episode.id,
            made.duration,
            made.loudness,
            made.true_peak,
        )

    async def _transcript(self, episode_id: str) -> None:
        ctx = self.ctx
        async with ctx.transaction() as uow:
            episode = await uow.episodes.get(episode_id)
        if episode is None or not episode.is_ready:
            return
        folder = episode_folder(ctx, episode.id)
        found = await in_worker(transcript_words, ctx.settings.transcriber, folder / "audio.mp3")
        words = [Word(a, b, text) for a, b, text in found]
        try:
            timeline = json.loads((folder / "timeline.json").read_text())
            speakers = {k: [tuple(s) for s in v] for k, v in timeline["speakers"].items()}
            names = dict(timeline["names"])
        except (OSError, ValueError, KeyError, TypeError):
            speakers, names = {}, {}
        cues = captions.cues(words, speakers, names)
        write_durably(folder / "transcript.vtt", captions.webvtt(cues).encode())
        write_durably(folder / "transcript.srt", captions.srt(cues).encode())
        async with ctx.transaction() as uow:
            current = await uow.episodes.get(episode.id, for_update=True)
            if current is None:  # deleted meanwhile
                shutil.rmtree(folder, ignore_errors=True)
                return
            ready = replace(current, transcript=TranscriptStatus.READY, updated_at=ctx.clock())
            await uow.episodes.save(ready)
            await search.said(uow, ready, cues)
        logger.info("episode %s: transcript of %d words", episode.id, len(words))
