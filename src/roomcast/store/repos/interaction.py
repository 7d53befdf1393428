"""Chat, questions (Q&A) and polls."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roomcast.domain.model import (
    ChatMessage,
    Poll,
    PublicUser,
    Question,
    RoomId,
    UserId,
)
from roomcast.store.repos._sql import insert_new
from roomcast.store.repos.users import UserRepo
from roomcast.store.tables import (
    ChatMessageRow,
    PollRow,
    PollVoteRow,
    QuestionRow,
    QuestionVoteRow,
)


class ChatRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self, room_id: RoomId, author: PublicUser, text: str, now: datetime
    ) -> ChatMessage:
        row = ChatMessageRow(room_id=room_id, user_id=author.id, text=text, created_at=now)
        self._s.add(row)
        await self._s.flush()
        return ChatMessage(row.id, author, text, now)

    async def get(self, room_id: RoomId, message_id: int) -> tuple[UserId, bool] | None:
        """(author, deleted) of a message in this room, or None."""
        row = await self._s.get(ChatMessageRow, message_id)
        if row is None or row.room_id != room_id:
            return None
        return UserId(row.user_id), row.deleted_at is not None

    async def delete(self, message_id: int, by: UserId, now: datetime) -> None:
        await self._s.execute(
            update(ChatMessageRow)
            .where(ChatMessageRow.id == message_id)
            .values(deleted_at=now, deleted_by=by, text="")
        )

    async def recent(self, room_id: RoomId, users: UserRepo, limit: int) -> list[ChatMessage]:
        """The last `limit` messages, oldest first; deleted ones as tombstones."""
        rows = list(
            await self._s.scalars(
                select(ChatMessageRow)
                .where(ChatMessageRow.room_id == room_id)
                .order_by(ChatMessageRow.id.desc())
                .limit(limit)
            )
        )
        people = await users.public(UserId(r.user_id) for r in rows)
        return [
            ChatMessage(
                r.id, people[UserId(r.user_id)], r.text, r.created_at, r.deleted_at is not None
            )
            for r in reversed(rows)
        ]


class QuestionRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, room_id: RoomId, author: PublicUser, text: str, now: datetime) -> Question:
        row = QuestionRow(room_id=room_id, user_id=author.id, text=text, created_at=now)
        self._s.add(row)
        await self._s.flush()
        return Question(row.id, author, text, now)

    async def get(self, room_id: RoomId, question_id: int, users: UserRepo) -> Question | None:
        found = await self.all(room_id, users, only=question_id)
        return found[0] if found else None

    async def vote(self, question_id: int, user_id: UserId, now: datetime) -> bool:
        """False when this person had upvoted it already."""
        return await insert_new(
            self._s, QuestionVoteRow, question_id=question_id, user_id=user_id, voted_at=now
        )

    async def set_answered(self, question_id: int, answered: bool) -> None:
        await self._s.execute(
            update(QuestionRow).where(QuestionRow.id == question_id).values(answered=answered)
        )

    async def count_by(self, room_id: RoomId, user_id: UserId) -> int:
        rows = await self._s.scalars(
            select(QuestionRow.id).where(
                QuestionRow.room_id == room_id, QuestionRow.user_id == user_id
            )
        )
        return len(list(rows))

    async def all(
        self, room_id: RoomId, users: UserRepo, only: int | None = None
    ) -> list[Question]:
        stmt = select(QuestionRow).where(QuestionRow.room_id == room_id).order_by(QuestionRow.id)
        if only is not None:
            stmt = stmt.where(QuestionRow.id == only)
        rows = list(await self._s.scalars(stmt))
        if not rows:
            return []
        votes = (
            await self._s.execute(
                select(QuestionVoteRow.question_id, QuestionVoteRow.user_id)
                .where(QuestionVoteRow.question_id.in_([r.id for r in rows]))
                .order_by(QuestionVoteRow.voted_at, QuestionVoteRow.user_id)
            )
        ).all()
        voters: dict[int, list[UserId]] = {}
        for qid, uid in votes:
            voters.setdefault(qid, []).append(UserId(uid))
        people = await users.public(UserId(r.user_id) for r in rows)
        return [
            Question(
                r.id,
                people[UserId(r.user_id)],
                r.text,
                r.created_at,
                tuple(voters.get(r.id, ())),
                r.answered,
            )
            for r in rows
        ]


class PollRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self,
        room_id: RoomId,
        author: UserId,
        question: str,
        options: tuple[str, ...],
        now: datetime,
    ) -> Poll:
        row = PollRow(
            room_id=room_id,
            user_id=author,
            question=question,
            options=json.dumps(list(options)),
            created_at=now,
        )
        self._s.add(row)
        await self._s.flush()
        return Poll(row.id, question, options, (0,) * len(options), now)

    async def vote(self, poll_id: int, user_id: UserId, option: int, now: datetime) -> bool:
        """False when this person had voted already (one vote each, kept secret)."""
        return await insert_new(
            self._s, PollVoteRow, poll_id=poll_id, user_id=user_id, option=option, voted_at=now
        )

    async def close(self, poll_id: int) -> None:
        await self._s.execute(update(PollRow).where(PollRow.id == poll_id).values(closed=True))

    async def all(
        self, room_id: RoomId, viewer: UserId | None, only: int | None = None
    ) -> list[Poll]:
        """The room's polls with their counts, and the viewer's own choice in each."""
        stmt = select(PollRow).where(PollRow.room_id == room_id).order_by(PollRow.id)
        if only is not None:
            stmt = stmt.where(PollRow.id == only)
        rows = list(await self._s.scalars(stmt))
        if not rows:
            return []
        ids = [r.id for r in rows]
        counted = (
            await self._s.execute(
                select(PollVoteRow.poll_id, PollVoteRow.option, func.count())
                .where(PollVoteRow.poll_id.in_(ids))
                .group_by(PollVoteRow.poll_id, PollVoteRow.option)
            )
        ).all()
        mine: dict[int, int] = {}
        if viewer is not None:
            mine = dict(
                (
                    await self._s.execute(
                        select(PollVoteRow.poll_id, PollVoteRow.option).where(
                            PollVoteRow.poll_id.in_(ids), PollVoteRow.user_id == viewer
                        )
                    )
                ).all()
            )
        polls = []
        for r in rows:
            options = tuple(json.loads(r.options))
            counts = [0] * len(options)
            for pid, option, n in counted:
                if pid == r.id:
                    counts[option] = n
            polls.append(
                Poll(
                    r.id, r.question, options, tuple(counts), r.created_at, r.closed, mine.get(r.id)
                )
            )
        return polls
