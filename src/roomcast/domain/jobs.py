"""Durable background work: what a job is, and which runner (lane) takes which kind.

Episodes' jobs (post-production, transcripts) run for minutes in a worker process, one at a
time; notices' jobs (fan-out to followers, reminders, emails) take milliseconds and run in
the server's process. Each lane has its own runner, so a long transcript never holds back
a reminder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PRODUCE, TRANSCRIBE = "produce", "transcribe"
FANOUT, REMIND, EXPIRE, EMAIL = "fanout", "remind", "expire", "email"
REFUND = "refund"  # every ticket of a cancelled event, through the payment provider
EPISODE_KINDS = (PRODUCE, TRANSCRIBE)
NOTICE_KINDS = (FANOUT, REMIND, EXPIRE, EMAIL, REFUND)


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    attempts: int  # including this one
    episode_id: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
