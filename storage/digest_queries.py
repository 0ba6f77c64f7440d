"""The weekly digest's queries: one team's facts in one read, and exactly-once run claims."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

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
from storage.after_score import lost_time_part, lost_time_weeks, reason_counts, reasons_part
from storage.anonymity import answered_days, answered_part
from storage.base import StoreBase, insert_for
from storage.driver import OnFirstUse
from storage.one_read import OneRead, Part, Row
from storage.pulses import pulse_part, pulse_result
from storage.reporting import tally_columns, tally_from
from storage.schema import digest_runs, follow_ups, people, prompts, ratings

# ratings.category: +1 promoter, 0 passive, -1 detractor.
_CATEGORY = {1: Category.PROMOTER, 0: Category.PASSIVE, -1: Category.DETRACTOR}
CLAIMED = "claimed"
POSTED = "posted"


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
        weeks = len(edges) - 1
        values: dict[str, Any] = {f"edge_{index}": edge for index, edge in enumerate(edges)}
        values.update(team_id=team_id, since=since, until=until, limit=comments,
                      **answered_days(since, until))
        async with self._read_one() as connection:
            found = await _FACTS((weeks, with_names, with_agents)).rows(connection, values)
        tallies = _weeks(found["weeks"], weeks)
        return DigestFacts(
            weekly=[week.tally for week in tallies],
            squares=[week.squares for week in tallies],
            follow_ups=_follow_ups(found["follow_ups"]),
            prompts=_prompts(found["prompts"], found["answered"]),
            comments=_comments(found["comments"], with_names),
            agents=_agents(found["agents"]) if with_agents else [],
            pulse=pulse_result(found["pulse"]),
            reasons=reason_counts(found["reasons"]),
            lost_time=lost_time_weeks(found["lost_time"], weeks),
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


# One statement per kind of digest (its number of weeks, names shown or not, agents or
# not), compiled on its first use (`storage.one_read`).
def _facts(kind: tuple[int, bool, bool]) -> OneRead:
    weeks, with_names, with_agents = kind
    week = _week_ratings()
    parts: dict[str, Part] = {
        "weeks": _weeks_part(weeks),
        "follow_ups": _follow_ups_part(week),
        "prompts": _prompts_part(),
        "answered": answered_part(),
        "comments": _comments_part(with_names),
        "pulse": pulse_part(),
        "reasons": reasons_part(),
        "lost_time": lost_time_part(weeks),
    }
    if with_agents:  # principle 8: an anonymous team's digest does not even ask
        parts["agents"] = _agents_part(week)
    return OneRead(parts)


_FACTS: OnFirstUse[tuple[int, bool, bool], OneRead] = OnFirstUse(_facts)

_TEAM: sa.BindParameter[int] = sa.bindparam("team_id")
_SINCE: sa.BindParameter[datetime] = sa.bindparam("since")
_UNTIL: sa.BindParameter[datetime] = sa.bindparam("until")


def _in() -> list[sa.ColumnElement[bool]]:
    return [ratings.c.team_id == _TEAM, ratings.c.rated_at >= _SINCE, ratings.c.rated_at < _UNTIL]


def _week_ratings() -> sa.CTE:
    """The last week's ratings, read from the table once for the parts that need more
    than the covering index holds (follow-ups, agents)."""
    return (
        sa.select(ratings.c.id, ratings.c.person_id, ratings.c.agent_id, ratings.c.category,
                  ratings.c.score)
        .where(*_in())
        # Read once, whichever parts read it, and never probed per row (`_follow_ups_part`).
        .cte("week_ratings").prefix_with("MATERIALIZED")
    )


@dataclass(frozen=True, slots=True)
class _Week:
    tally: Tally
    squares: int


def _weeks_part(weeks: int) -> sa.CompoundSelect[Any]:
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
            *tally_columns(),
            squares.label("squares"),
        ).where(ratings.c.team_id == _TEAM, ratings.c.rated_at >= edge[index],
                ratings.c.rated_at < edge[index + 1])
        for index in range(weeks)
    ))


def _weeks(rows: list[Row], weeks: int) -> list[_Week]:
    result = [_Week(Tally(), 0) for _ in range(weeks)]
    for row in rows:
        result[int(row.bucket)] = _Week(tally=tally_from(row), squares=int(row.squares))
    return result


def _follow_ups_part(week: sa.CTE) -> sa.Select[Any]:
    """The follow-ups of the week's ratings, one row each (a week has as many as
    detractors): counted, and the median time to resolve taken, here, from the resolved
    ones' times.

    A follow-up opens with its rating or later, so the week's are among the team's
    opened since the week began: read from their own index, then matched to the week's
    ratings. Both sides are read once (materialized): PostgreSQL's generic plan for the
    prepared statement otherwise probed the follow-ups once per rating of the week.
    """
    opened = (
        sa.select(follow_ups.c.rating_id, follow_ups.c.status, follow_ups.c.claimed_at,
                  follow_ups.c.created_at, follow_ups.c.resolved_at)
        .where(follow_ups.c.team_id == _TEAM, follow_ups.c.created_at >= _SINCE)
        .cte("opened_since").prefix_with("MATERIALIZED")
    )
    resolved = opened.c.status == FollowUpStatus.RESOLVED.value
    return (
        sa.select(
            resolved.label("resolved"),
            (opened.c.claimed_at.is_not(None) | resolved).label("claimed"),
            # Only the resolved ones' times are read: from the rating (its follow-up
            # opens with it) to the follow-up resolved.
            sa.case((resolved, opened.c.created_at)).label("opened_at"),
            sa.case((resolved, opened.c.resolved_at)).label("resolved_at"),
        )
        .select_from(opened.join(week, week.c.id == opened.c.rating_id))
    )


def _follow_ups(rows: list[Row]) -> FollowUpCounts:
    took = [row.resolved_at - row.opened_at for row in rows
            if row.resolved_at is not None and row.opened_at is not None]
    return FollowUpCounts(opened=len(rows), claimed=sum(1 for row in rows if row.claimed),
                          resolved=sum(1 for row in rows if row.resolved),
                          median_to_resolve=_median(took))


def _median(took: list[timedelta]) -> timedelta | None:
    if not took:
        return None
    ordered, middle = sorted(took), len(took) // 2
    if len(ordered) % 2:
        return max(ordered[middle], timedelta(0))
    return max((ordered[middle - 1] + ordered[middle]) / 2, timedelta(0))


def _prompts_part() -> sa.Select[Any]:
    """The week's prompts by outcome. The covering index (team, created, status, reason,
    pulse, reminded) answers it alone."""
    return (
        sa.select(prompts.c.status, prompts.c.reason,
                  prompts.c.reminded_at.is_not(None).label("reminded"),
                  sa.func.count().label("n"))
        .where(prompts.c.team_id == _TEAM, prompts.c.created_at >= _SINCE,
               prompts.c.created_at < _UNTIL,
               prompts.c.pulse_id.is_(None))  # a pulse's prompts are reported apart
        .group_by(prompts.c.status, prompts.c.reason, prompts.c.reminded_at.is_not(None))
    )


def _prompts(rows: list[Row], answered_anonymously: list[Row]) -> PromptTally:
    sent = answered = pending = reminded = after = 0
    skipped: dict[str, int] = {}
    failed: dict[str, int] = {}
    for row in rows:
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
    answered += sum(int(row.n) for row in answered_anonymously)
    return PromptTally(sent=sent, answered=answered, pending=pending, skipped=skipped,
                       failed=failed, reminded=reminded, answered_after_reminder=after)


def _comments_part(with_names: bool) -> sa.Select[Any]:
    author = people.c.display_name if with_names else sa.null()
    source = ratings.outerjoin(people, people.c.id == ratings.c.person_id) if with_names \
        else ratings
    return (
        sa.select(ratings.c.id, ratings.c.category, ratings.c.score, ratings.c.comment,
                  ratings.c.rated_at, author.label("author"))
        .select_from(source)
        .where(*_in(), ratings.c.category != 0,
               ratings.c.comment.is_not(None), ratings.c.comment != "")
        # -1 sorts before +1: detractors first, each group newest first.
        .order_by(ratings.c.category, ratings.c.rated_at.desc(), ratings.c.id.desc())
        .limit(sa.bindparam("limit"))
    )


def _comments(rows: list[Row], with_names: bool) -> list[DigestComment]:
    # Their order again: a JSON array of a part's rows need not keep the part's.
    ordered = sorted(rows, key=lambda row: (row.category, -row.rated_at.timestamp(), -row.id))
    return [
        DigestComment(category=_CATEGORY[row.category], score=row.score, text=row.comment,
                      rated_at=row.rated_at, author=row.author if with_names else None)
        for row in ordered
    ]


def _agents_part(week: sa.CTE) -> sa.Select[Any]:
    # Tallied by agent first, then named: one look-up per agent, not per rating.
    by_agent = (
        sa.select(week.c.agent_id,
                  sa.func.count(sa.distinct(week.c.person_id)).label("respondents"),
                  *tally_columns(week))
        .where(week.c.agent_id.is_not(None))
        .group_by(week.c.agent_id)
        .subquery("by_agent")
    )
    return (
        sa.select(
            sa.func.coalesce(people.c.display_name, people.c.email).label("agent"),
            by_agent.c.respondents, by_agent.c.n, by_agent.c.promoters, by_agent.c.detractors,
            by_agent.c.score_sum,
        )
        .select_from(by_agent.join(people, people.c.id == by_agent.c.agent_id))
    )


def _agents(rows: list[Row]) -> list[AgentTally]:
    lines = [
        AgentTally(agent=row.agent or "unknown agent", respondents=int(row.respondents),
                   tally=tally_from(row))
        for row in rows
    ]
    # By name, never by score: the digest does not rank people.
    return sorted(lines, key=lambda line: line.agent.casefold())
