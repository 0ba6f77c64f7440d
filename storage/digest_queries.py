"""The weekly digest's queries: one team's facts in one read, and exactly-once run claims."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import FollowUpStatus, PromptStatus
from bot.domain.scales import Category
from bot.domain.tallies import (
    AgentTally,
    DigestComment,
    DigestFacts,
    DigestRun,
    FollowUpCounts,
    PromptTally,
    Tally,
)
from storage.after_score import lost_time_weeks, reason_counts
from storage.anonymity import anonymous_answers
from storage.base import StoreBase, insert_for
from storage.prepared import Prepared, prepared
from storage.pulses import closed_pulse_in
from storage.schema import digest_runs, follow_ups, people, prompts, ratings

# ratings.category: +1 promoter, 0 passive, -1 detractor.
_CATEGORY = {1: Category.PROMOTER, 0: Category.PASSIVE, -1: Category.DETRACTOR}
CLAIMED = "claimed"
POSTED = "posted"


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


class DigestQueries(StoreBase):
    """Mixed into `SqlStore`. Every query names one team: a digest never sees another's."""

    async def digest_facts(
        self,
        team_id: int,
        edges: list[datetime],
        *,
        comments: int,
        with_names: bool,
        with_agents: bool,
    ) -> DigestFacts:
        if len(edges) < 2 or any(b <= a for a, b in itertools.pairwise(edges)):
            raise ValueError("edges must be at least two strictly increasing instants")
        since, until = edges[-2], edges[-1]
        # One transaction: one snapshot and one pool checkout. On SQLite each statement
        # costs round trips to the driver's thread that outweigh these index range scans.
        async with self._read() as connection:
            weeks = await _weeks(connection, team_id, edges)
            follow_up = await _follow_ups(connection, team_id, since, until)
            prompt_tally = await _prompts(connection, team_id, since, until)
            quoted = await _comments(connection, team_id, since, until, comments, with_names)
            agent_lines = await _agents(connection, team_id, since, until) if with_agents \
                else []
            pulse = await closed_pulse_in(connection, team_id, since, until)
            reasons = await reason_counts(connection, team_id, since, until)
            lost_time = await lost_time_weeks(connection, team_id, edges)
        return DigestFacts(
            weekly=[week.tally for week in weeks], squares=[week.squares for week in weeks],
            follow_ups=follow_up, prompts=prompt_tally, comments=quoted,
            agents=agent_lines, pulse=pulse, reasons=reasons, lost_time=lost_time,
        )

    # --------------------------------------------------------------------- runs

    async def claim_digest_run(
        self, team_id: int, period: str, *, now: datetime, lease: timedelta
    ) -> bool:
        async with self._write() as connection:
            inserted = await connection.execute(
                insert_for(connection, digest_runs)
                .values(team_id=team_id, period=period, status=CLAIMED, claimed_at=now)
                .on_conflict_do_nothing(
                    index_elements=[digest_runs.c.team_id, digest_runs.c.period]
                )
                .returning(digest_runs.c.id)
            )
            if inserted.first() is not None:
                return True
            # The row exists. On PostgreSQL this UPDATE waits for a concurrent claimer
            # and re-checks the condition against its committed row: one winner only.
            taken = await connection.execute(
                sa.update(digest_runs)
                .where(
                    digest_runs.c.team_id == team_id,
                    digest_runs.c.period == period,
                    digest_runs.c.status == CLAIMED,
                    sa.or_(
                        digest_runs.c.claimed_at.is_(None),
                        digest_runs.c.claimed_at < now - lease,
                    ),
                )
                .values(claimed_at=now)
            )
            return taken.rowcount == 1

    async def mark_digest_posted(
        self, team_id: int, period: str, *, at: datetime, late: bool, message_ref: str | None
    ) -> None:
        async with self._write() as connection:
            await connection.execute(
                sa.update(digest_runs)
                .where(digest_runs.c.team_id == team_id, digest_runs.c.period == period)
                .values(status=POSTED, posted_at=at, late=late, message_ref=message_ref)
            )

    async def release_digest_run(self, team_id: int, period: str) -> None:
        async with self._write() as connection:
            await connection.execute(
                sa.update(digest_runs)
                .where(
                    digest_runs.c.team_id == team_id,
                    digest_runs.c.period == period,
                    digest_runs.c.status == CLAIMED,
                )
                .values(claimed_at=None)
            )

    async def get_digest_run(self, team_id: int, period: str) -> DigestRun | None:
        query = sa.select(digest_runs).where(
            digest_runs.c.team_id == team_id, digest_runs.c.period == period
        )
        async with self._read() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None
        return DigestRun(
            team_id=row.team_id, period=row.period, status=row.status,
            claimed_at=row.claimed_at, posted_at=row.posted_at, late=bool(row.late),
            message_ref=row.message_ref,
        )


# --------------------------------------------------------------------------- queries


# Each statement is built once per dialect (`storage.prepared`): a digest's SQL takes a
# fraction of what building its statements again for each team took.
_TEAM: sa.BindParameter[int] = sa.bindparam("team_id")
_SINCE: sa.BindParameter[datetime] = sa.bindparam("since")
_UNTIL: sa.BindParameter[datetime] = sa.bindparam("until")


def _in() -> list[sa.ColumnElement[bool]]:
    return [ratings.c.team_id == _TEAM, ratings.c.rated_at >= _SINCE, ratings.c.rated_at < _UNTIL]


def _window(team_id: int, since: datetime, until: datetime) -> dict[str, Any]:
    return {"team_id": team_id, "since": since, "until": until}


def _tally_columns() -> list[Any]:
    category = ratings.c.category
    # Passives are the rest (a category is -1, 0 or +1): one sum fewer per rating read.
    return [
        sa.func.count().label("n"),
        _count_if(category == 1).label("promoters"),
        _count_if(category == -1).label("detractors"),
        sa.func.coalesce(sa.func.sum(ratings.c.score), 0).label("score_sum"),
    ]


def _tally(row: Any) -> Tally:
    n, promoters, detractors = int(row.n), int(row.promoters), int(row.detractors)
    return Tally(n=n, promoters=promoters, passives=n - promoters - detractors,
                 detractors=detractors, score_sum=int(row.score_sum))


@dataclass(frozen=True, slots=True)
class _Week:
    tally: Tally
    squares: int


def _weeks_statement(weeks: int) -> sa.CompoundSelect[Any]:
    """Per week: the tally and the sum of squared scores, each from its own index range.

    One range per week, joined by UNION ALL, rather than one range grouped by a CASE over
    the edges: SQLite then reads each week straight from the covering index and sorts
    nothing (a third of the time). An empty week still answers, with n = 0.
    The edges are parameters `edge_0` .. `edge_<weeks>`.
    """
    edge: list[sa.BindParameter[datetime]] = [
        sa.bindparam(f"edge_{index}") for index in range(weeks + 1)
    ]
    squares = sa.func.coalesce(sa.func.sum(ratings.c.score * ratings.c.score), 0)
    return sa.union_all(*(
        sa.select(
            # The week's number is ours, not a value: written into the statement.
            sa.literal_column(str(index), sa.Integer).label("bucket"),
            *_tally_columns(),
            squares.label("squares"),
        ).where(ratings.c.team_id == _TEAM, ratings.c.rated_at >= edge[index],
                ratings.c.rated_at < edge[index + 1])
        for index in range(weeks)
    ))


# By number of weeks: a digest asks for the same number every time.
_WEEKS: dict[int, Prepared[sa.CompoundSelect[Any]]] = {}


async def _weeks(connection: AsyncConnection, team_id: int, edges: list[datetime]) -> list[_Week]:
    weeks = len(edges) - 1
    statement = _WEEKS.get(weeks)
    if statement is None:
        statement = _WEEKS[weeks] = prepared(lambda _: _weeks_statement(weeks))
    values: dict[str, Any] = {f"edge_{index}": edge for index, edge in enumerate(edges)}
    values["team_id"] = team_id
    result = [_Week(Tally(), 0) for _ in edges[1:]]
    for row in await connection.execute(statement(connection), values):
        result[int(row.bucket)] = _Week(tally=_tally(row), squares=int(row.squares))
    return result


# The week's follow-ups, one row each (a week has as many as detractors): counted, and
# the median time to resolve taken, here, from one round trip. From the week's ratings to
# their follow-ups by the unique rating id: a join over every week's ratings made
# PostgreSQL scan the whole follow-ups table instead.
_FOLLOW_UPS = prepared(
    lambda _: sa.select(follow_ups.c.status, follow_ups.c.claimed_at, follow_ups.c.created_at,
                        follow_ups.c.resolved_at)
    .select_from(ratings.join(follow_ups, follow_ups.c.rating_id == ratings.c.id))
    .where(*_in())
)


async def _follow_ups(
    connection: AsyncConnection, team_id: int, since: datetime, until: datetime
) -> FollowUpCounts:
    rows = (await connection.execute(_FOLLOW_UPS(connection),
                                     _window(team_id, since, until))).all()
    resolved = [row for row in rows if row.status == FollowUpStatus.RESOLVED.value]
    claimed = sum(1 for row in rows if row.claimed_at is not None
                  or row.status == FollowUpStatus.RESOLVED.value)
    # From the rating (its follow-up opens with it) to the follow-up resolved.
    took = [row.resolved_at - row.created_at for row in resolved if row.resolved_at]
    return FollowUpCounts(opened=len(rows), claimed=claimed, resolved=len(resolved),
                          median_to_resolve=_median(took))


def _median(took: list[timedelta]) -> timedelta | None:
    if not took:
        return None
    ordered, middle = sorted(took), len(took) // 2
    if len(ordered) % 2:
        return max(ordered[middle], timedelta(0))
    return max((ordered[middle - 1] + ordered[middle]) / 2, timedelta(0))


# The covering index (team, created, status, reason, pulse, reminded) answers it alone.
_PROMPTS = prepared(
    lambda _: sa.select(prompts.c.status, prompts.c.reason,
                        prompts.c.reminded_at.is_not(None).label("reminded"),
                        sa.func.count().label("n"))
    .where(prompts.c.team_id == _TEAM, prompts.c.created_at >= _SINCE,
           prompts.c.created_at < _UNTIL,
           prompts.c.pulse_id.is_(None))  # a pulse's prompts are reported apart
    .group_by(prompts.c.status, prompts.c.reason, prompts.c.reminded_at.is_not(None))
)


async def _prompts(
    connection: AsyncConnection, team_id: int, since: datetime, until: datetime
) -> PromptTally:
    sent = answered = pending = reminded = after = 0
    skipped: dict[str, int] = {}
    failed: dict[str, int] = {}
    for row in await connection.execute(_PROMPTS(connection), _window(team_id, since, until)):
        status, count = PromptStatus(row.status), int(row.n)
        if row.reminded:
            reminded += count
            after += count if status is PromptStatus.ANSWERED else 0
        if status in (PromptStatus.SENT, PromptStatus.ANSWERED, PromptStatus.EXPIRED):
            sent += count
        if status is PromptStatus.ANSWERED:
            answered += count
        elif status is PromptStatus.PENDING:
            pending += count
        elif status in (PromptStatus.SKIPPED, PromptStatus.FAILED):
            counts = skipped if status is PromptStatus.SKIPPED else failed
            reason = row.reason or "unknown"
            counts[reason] = counts.get(reason, 0) + count
    # An anonymous team's prompts stay "sent" when answered: its answers are counted by day.
    counted = await anonymous_answers(connection, since=since, until=until, team_ids=[team_id])
    answered += counted.get(team_id, 0)
    return PromptTally(sent=sent, answered=answered, pending=pending, skipped=skipped,
                       failed=failed, reminded=reminded, answered_after_reminder=after)


def _comments_statement(with_names: bool) -> sa.Select[Any]:
    author = people.c.display_name if with_names else sa.null()
    source = ratings.outerjoin(people, people.c.id == ratings.c.person_id) if with_names \
        else ratings
    return (
        sa.select(ratings.c.category, ratings.c.score, ratings.c.comment,
                  ratings.c.rated_at, author.label("author"))
        .select_from(source)
        .where(*_in(), ratings.c.category != 0,
               ratings.c.comment.is_not(None), ratings.c.comment != "")
        # -1 sorts before +1: detractors first, each group newest first.
        .order_by(ratings.c.category, ratings.c.rated_at.desc(), ratings.c.id.desc())
        .limit(sa.bindparam("limit"))
    )


_COMMENTS = {
    False: prepared(lambda _: _comments_statement(False)),
    True: prepared(lambda _: _comments_statement(True)),
}


async def _comments(
    connection: AsyncConnection, team_id: int, since: datetime, until: datetime,
    limit: int, with_names: bool,
) -> list[DigestComment]:
    values = {**_window(team_id, since, until), "limit": limit}
    return [
        DigestComment(category=_CATEGORY[row.category], score=row.score, text=row.comment,
                      rated_at=row.rated_at, author=row.author if with_names else None)
        for row in await connection.execute(_COMMENTS[with_names](connection), values)
    ]


_AGENTS = prepared(
    lambda _: sa.select(
        sa.func.coalesce(people.c.display_name, people.c.email).label("agent"),
        sa.func.count(sa.distinct(ratings.c.person_id)).label("respondents"),
        *_tally_columns(),
    )
    .select_from(ratings.join(people, people.c.id == ratings.c.agent_id))
    .where(*_in())
    .group_by(ratings.c.agent_id, people.c.display_name, people.c.email)
)


async def _agents(
    connection: AsyncConnection, team_id: int, since: datetime, until: datetime
) -> list[AgentTally]:
    lines = [
        AgentTally(agent=row.agent or "unknown agent", respondents=int(row.respondents),
                   tally=_tally(row))
        for row in await connection.execute(_AGENTS(connection), _window(team_id, since, until))
    ]
    # By name, never by score: the digest does not rank people.
    return sorted(lines, key=lambda line: line.agent.casefold())
