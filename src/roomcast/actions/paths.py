"""Where files live under the data folder. Only paths here: nothing is read or written."""

from __future__ import annotations

from pathlib import Path

from roomcast.actions.context import Context


def recording_folder(ctx: Context, room_id: str) -> Path:
    """A room's recorded segments, until its episode is made."""
    return ctx.settings.data_dir / "recordings" / room_id


def episode_folder(ctx: Context, episode_id: str) -> Path:
    """audio.mp3, chapters.json, timeline.json, transcript.vtt and .srt."""
    return ctx.settings.data_dir / "episodes" / episode_id


def show_folder(ctx: Context, user_id: int) -> Path:
    """A show's uploaded artwork."""
    return ctx.settings.data_dir / "shows" / str(user_id)


def club_folder(ctx: Context, club_id: int) -> Path:
    """A club's uploaded avatar and cover (and its generated avatar)."""
    return ctx.settings.data_dir / "clubs" / str(club_id)
