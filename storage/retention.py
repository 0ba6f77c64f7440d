"""Retention: the day's run lease, and what a team keeps past its limits, counted or removed.

Each kind is one "what is expired" condition (`_expired`), used both to count (a dry
run) and to pick a batch to remove, so the two cannot disagree. What must stay
(`bot.domain.retention`) is part of every condition.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.retention import AUDIT_ACTION, LIVE_PROMPTS, OPEN_FOLLOW_UPS, RetentionKind
from storage.base import StoreBase, insert_for
from storage.lookups import write_audit
from storage.schema import (
    conversations,
    follow_ups,
    metadata,
    prompts,
    pulse_answers,
    pulses,
    ratings,
)
from storage.types import UtcDateTime

CLAIMED, DONE = "claimed", "done"

# One row per UTC day: the lease that lets one replica run that day's retention.
retention_runs = sa.Table(
    "retention_runs",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("claimed_at", UtcDateTime(), nullable=True),
    sa.Column("finished_at", UtcDateTime(), nullable=True),
)


def _followed_up() -> sa.Select[tuple[int]]:
    """The ratings whose follow-up still needs the person: kept whole."""
    return sa.select(follow_ups.c.rating_id).where(
        follow_ups.c.status.in_([status.value for status in OPEN_FOLLOW_UPS])
    )


Cutoffs = Mapping[RetentionKind, datetime]


def _expired(
    kind: RetentionKind, team_id: int, cutoffs: Cutoffs, now: datetime
) -> tuple[sa.Table, sa.ColumnElement[bool]]:
    """The table `kind` lives in, and which of its rows go under the team's cutoffs.

    Each kind's condition counts what the kinds before it in a run will have removed
    by then, so a dry run's counts are the run's.
    """
    before = cutoffs[kind]
    if kind is RetentionKind.COMMENTS:
        return ratings, sa.and_(
            ratings.c.team_id == team_id, ratings.c.rated_at < before,
            ratings.c.comment.is_not(None), ratings.c.id.not_in(_followed_up()),
        )
    if kind is RetentionKind.IDENTITIES:
        return ratings, sa.and_(
            _unlinked(team_id, before),
            sa.or_(ratings.c.person_id.is_not(None), ratings.c.agent_id.is_not(None),
                   ratings.c.prompt_id.is_not(None), _named_follow_up()),
        )
    if kind is RetentionKind.PROMPTS:
        return prompts, _prompt_goes(team_id, cutoffs, now)
    kept = sa.exists().where(
        prompts.c.conversation_id == conversations.c.id,
        sa.not_(_prompt_goes(team_id, cutoffs, now)),
    )
    return conversations, sa.and_(
        conversations.c.team_id == team_id, conversations.c.created_at < before,
        conversations.c.pending.is_(None), sa.not_(kept),
    )


def _parts(
    kind: RetentionKind, team_id: int, cutoffs: Cutoffs, now: datetime
) -> list[tuple[sa.Table, sa.ColumnElement[bool]]]:
    """Where `kind` lives: `_expired`'s table, and for comments the team's pulse answers'
    comments too (their identity goes with their prompt, `_remove`)."""
    parts = [_expired(kind, team_id, cutoffs, now)]
    if kind is RetentionKind.COMMENTS:
        team_pulses = sa.select(pulses.c.id).where(pulses.c.team_id == team_id)
        parts.append((pulse_answers, sa.and_(
            pulse_answers.c.pulse_id.in_(team_pulses),
            pulse_answers.c.answered_at < cutoffs[kind], pulse_answers.c.comment.is_not(None),
        )))
    return parts


async def _clear_pulse_comments(connection: AsyncConnection, ids: list[int]) -> int:
    cleared = await connection.execute(
        sa.update(pulse_answers).where(pulse_answers.c.id.in_(ids)).values(comment=None))
    return int(cleared.rowcount)


def _named_follow_up() -> sa.ColumnElement[bool]:
    """The rating's (resolved) follow-up still names who handled it, or holds their note."""
    return sa.exists().where(
        follow_ups.c.rating_id == ratings.c.id,
        sa.or_(follow_ups.c.claimed_by.is_not(None), follow_ups.c.resolved_by.is_not(None),
               follow_ups.c.note.is_not(None)),
    )


def _unlinked(team_id: int, before: datetime | None) -> sa.ColumnElement[bool]:
    """Ratings whose names the identity limit removes (none when it keeps them forever)."""
    if before is None:
        return sa.false()
    return sa.and_(
        ratings.c.team_id == team_id, ratings.c.rated_at < before,
        ratings.c.id.not_in(_followed_up()),
    )


def _prompt_goes(team_id: int, cutoffs: Cutoffs, now: datetime) -> sa.ColumnElement[bool]:
    live = sa.and_(
        prompts.c.status.in_([status.value for status in LIVE_PROMPTS]),
        sa.or_(prompts.c.expires_at.is_(None), prompts.c.expires_at >= now),
    )
    # A rating linked to its prompt names its person through it: the prompt goes once
    # the identity limit unlinks them (a follow-up's rating keeps it until resolved).
    linked = sa.exists().where(
        ratings.c.prompt_id == prompts.c.id,
        sa.not_(_unlinked(team_id, cutoffs.get(RetentionKind.IDENTITIES))),
    )
    return sa.and_(
        prompts.c.team_id == team_id, prompts.c.created_at < cutoffs[RetentionKind.PROMPTS],
        sa.not_(live), sa.not_(linked),
    )


async def _remove(connection: AsyncConnection, kind: RetentionKind, ids: list[int]) -> int:
    if kind is RetentionKind.COMMENTS:
        statement: sa.Update | sa.Delete = (
            sa.update(ratings).where(ratings.c.id.in_(ids)).values(comment=None)
        )
    elif kind is RetentionKind.IDENTITIES:
        # Who handled the follow-up, and their note (it may name the person), go too;
        # its times stay for the digest's counts.
        await connection.execute(
            sa.update(follow_ups).where(follow_ups.c.rating_id.in_(ids))
            .values(claimed_by=None, resolved_by=None, note=None)
        )
        statement = sa.update(ratings).where(ratings.c.id.in_(ids)).values(
            person_id=None, agent_id=None, prompt_id=None
        )
    elif kind is RetentionKind.PROMPTS:
        # A pulse's answer loses its prompt, and with it whose it was (bot.flows.pulse).
        await connection.execute(
            sa.update(pulse_answers).where(pulse_answers.c.prompt_id.in_(ids))
            .values(prompt_id=None, person_id=None)
        )
        statement = sa.delete(prompts).where(prompts.c.id.in_(ids))
    else:
        statement = sa.delete(conversations).where(conversations.c.id.in_(ids))
    return int((await connection.execute(statement)).rowcount)


class RetentionQueries(StoreBase):
    """Mixed into `SqlStore`: the `Retention` part."""

    async def claim_retention_run(
        self, day: date, *, now: datetime, lease: timedelta, again: bool = False
    ) -> bool:
        table, key = retention_runs, day.isoformat()
        async with self._write() as connection:
            inserted = await connection.execute(
                insert_for(connection, table)
                .values(day=key, status=CLAIMED, claimed_at=now)
                .on_conflict_do_nothing(index_elements=[table.c.day])
                .returning(table.c.day)
            )
            if inserted.first() is not None:
                return True
            takeable = sa.and_(
                table.c.status == CLAIMED,
                sa.or_(table.c.claimed_at.is_(None), table.c.claimed_at < now - lease),
            )
            if again:
                takeable = sa.or_(takeable, table.c.status == DONE)
            # On PostgreSQL a concurrent claimer's UPDATE waits for this one and re-checks
            # the condition against the committed row: one winner only.
            taken = await connection.execute(
                sa.update(table).where(table.c.day == key, takeable)
                .values(status=CLAIMED, claimed_at=now)
            )
            return taken.rowcount == 1

    async def renew_retention_run(self, day: date, *, now: datetime) -> None:
        async with self._write() as connection:
            await connection.execute(
                sa.update(retention_runs)
                .where(retention_runs.c.day == day.isoformat(), retention_runs.c.status == CLAIMED)
                .values(claimed_at=now)
            )

    async def finish_retention_run(
        self, day: date, *, at: datetime, actor: str, detail: dict[str, object]
    ) -> None:
        async with self._write() as connection:
            await connection.execute(
                sa.update(retention_runs).where(retention_runs.c.day == day.isoformat())
                .values(status=DONE, claimed_at=None, finished_at=at)
            )
            await write_audit(connection, at=at, actor=actor, action=AUDIT_ACTION, detail=detail)

    async def release_retention_run(self, day: date) -> None:
        async with self._write() as connection:
            await connection.execute(
                sa.update(retention_runs)
                .where(retention_runs.c.day == day.isoformat(), retention_runs.c.status == CLAIMED)
                .values(claimed_at=None)
            )

    async def count_expired(
        self, team_id: int, kind: RetentionKind, cutoffs: Cutoffs, *, now: datetime
    ) -> int:
        total = 0
        async with self._read() as connection:
            for table, condition in _parts(kind, team_id, cutoffs, now):
                found = await connection.execute(
                    sa.select(sa.func.count()).select_from(table).where(condition)
                )
                total += int(found.scalar_one())
        return total

    async def remove_expired(
        self, team_id: int, kind: RetentionKind, cutoffs: Cutoffs, *, now: datetime, limit: int
    ) -> int:
        async with self._write() as connection:
            for table, condition in _parts(kind, team_id, cutoffs, now):
                batch = await connection.execute(
                    sa.select(table.c.id).where(condition).order_by(table.c.id).limit(limit)
                )
                ids = [row.id for row in batch]
                if ids:
                    if table is pulse_answers:  # a pulse answer's comment, past the limit
                        return await _clear_pulse_comments(connection, ids)
                    return await _remove(connection, kind, ids)
            return 0
