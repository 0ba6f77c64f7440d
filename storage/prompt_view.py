"""One read of a prompt with everything around it: team, people, ticket and rating.

A click needs all of it: to check the answer, to redraw the message with the score it
chose, and to draft a detractor's alert. One prepared query serves them all, so a click
costs one read. The core renders what people see from these facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import Person, Prompt, Rating, Team
from storage.base import InlineConnection
from storage.prepared import DriverQueries, prepared
from storage.rows import person_from, prompt_from, rating_from, team_from
from storage.schema import conversations, people, prompts, ratings, team_channels, teams

_recipient = people.alias("recipient")
_agent = people.alias("agent")


class _Part:
    """One table's columns within the view's rows, read by position.

    Looking values up by label costs more than the query itself on a click; the
    positions are fixed when the statement is built.
    """

    def __init__(self, table: sa.FromClause, start: int) -> None:
        self.names = [column.name for column in table.c]
        self.start, self.stop = start, start + len(self.names)

    def of(self, row: tuple[Any, ...]) -> SimpleNamespace:
        return SimpleNamespace(**dict(zip(self.names, row[self.start:self.stop], strict=True)))


def _labelled(prefix: str, table: sa.FromClause) -> list[sa.Label[Any]]:
    return [column.label(prefix + column.name) for column in table.c]


def _view(dialect: str, *, lock: bool) -> sa.Select[Any]:
    query = (
        sa.select(
            *_labelled("p_", prompts),
            conversations.c.subject,
            conversations.c.external_id,
            conversations.c.agent_id.label("conversation_agent_id"),
            *_labelled("t_", teams),
            team_channels.c.platform.label("channel_platform"),
            team_channels.c.purpose.label("channel_purpose"),
            team_channels.c.ref.label("channel_ref"),
            *_labelled("r_", _recipient),
            *_labelled("a_", _agent),
            *_labelled("x_", ratings),
        )
        .select_from(
            prompts.join(conversations, conversations.c.id == prompts.c.conversation_id)
            .join(teams, teams.c.id == prompts.c.team_id)
            # One row per channel of the team (or one with NULLs): the team comes whole.
            .outerjoin(team_channels, team_channels.c.team_id == teams.c.id)
            .outerjoin(_recipient, _recipient.c.id == prompts.c.person_id)
            .outerjoin(_agent, _agent.c.id == conversations.c.agent_id)
            # Anonymous ratings keep no prompt_id, so this finds only the others.
            .outerjoin(ratings, ratings.c.prompt_id == prompts.c.id)
        )
        .where(prompts.c.id == sa.bindparam("prompt_id"))
    )
    assert len(query.selected_columns) == _RATING.stop, "the view's columns moved"
    if lock and dialect == "postgresql":
        # Two clicks on one prompt take turns; the outer-joined tables stay unlocked.
        query = query.with_for_update(of=prompts)
    return query


# Where each table's columns sit in a row of `_view`, in its select order.
_PROMPT = _Part(prompts, 0)
_TICKET = _PROMPT.stop  # subject, external_id, the conversation's agent_id
_TEAM = _Part(teams, _TICKET + 3)
_CHANNEL = _TEAM.stop  # platform, purpose, ref
_RECIPIENT = _Part(people, _CHANNEL + 3)
_AGENT = _Part(people, _RECIPIENT.stop)
_RATING = _Part(ratings, _AGENT.stop)

_READ = prepared(lambda dialect: _view(dialect, lock=False))
_LOCKED = prepared(lambda dialect: _view(dialect, lock=True))
# SQLite's, run on the driver (storage.prepared.DriverQuery); built on the first click.
_DRIVER = DriverQueries(lambda _: _view("sqlite", lock=False))


@dataclass(frozen=True, slots=True)
class PromptView:
    prompt: Prompt
    team: Team
    recipient: Person | None  # None once the person was forgotten
    agent: Person | None  # the conversation's agent, when known
    subject: str | None
    ticket_id: str
    rating: Rating | None  # the stored rating, unless the team is anonymous


async def prompt_view(
    connection: AsyncConnection, prompt_id: int, *, lock: bool = False
) -> PromptView | None:
    rows = await _rows(connection, prompt_id, lock=lock)
    if not rows:
        return None
    first = rows[0]
    channels = {
        (row[_CHANNEL], row[_CHANNEL + 1]): row[_CHANNEL + 2]
        for row in rows
        if row[_CHANNEL] is not None
    }
    team = team_from(_TEAM.of(first), channels)
    prompt = prompt_from(_PROMPT.of(first))
    recipient = None if first[_RECIPIENT.start] is None else person_from(_RECIPIENT.of(first))
    agent = None if first[_AGENT.start] is None else person_from(_AGENT.of(first))
    rating = None if first[_RATING.start] is None else rating_from(_RATING.of(first))
    return PromptView(
        prompt=prompt,
        team=team,
        recipient=recipient,
        agent=agent,
        subject=first[_TICKET],
        ticket_id=first[_TICKET + 1],
        rating=rating,
    )


async def _rows(
    connection: AsyncConnection, prompt_id: int, *, lock: bool
) -> list[tuple[Any, ...]]:
    if isinstance(connection, InlineConnection):
        # SQLite has no row locks (its writer holds the whole database): one text serves.
        return _DRIVER(0).rows(connection, {"prompt_id": prompt_id})
    statement = (_LOCKED if lock else _READ)(connection)
    return [tuple(row) for row in await connection.execute(statement, {"prompt_id": prompt_id})]
