"""One read of a prompt with everything around it: team, people, ticket and rating.

A click needs all of it twice over: to check the answer, and to redraw the message with
the score it chose. One prepared query serves both, so a click costs one read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.messages import RatingPrompt
from bot.domain.model import Person, Prompt, Rating, Team
from bot.domain.scales import Scale
from storage.prepared import prepared
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
            _agent.c.display_name.label("agent_display"),
            _agent.c.email.label("agent_email"),
            _agent.c.slack_user_id.label("agent_slack"),
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
_AGENT = _RECIPIENT.stop  # display name, email, Slack id
_RATING = _Part(ratings, _AGENT + 3)

_READ = prepared(lambda dialect: _view(dialect, lock=False))
_LOCKED = prepared(lambda dialect: _view(dialect, lock=True))


@dataclass(frozen=True, slots=True)
class PromptView:
    prompt: Prompt
    team: Team
    recipient: Person | None  # None once the person was forgotten
    agent_id: int | None
    rating: Rating | None  # the stored rating, unless the team is anonymous
    rendered: RatingPrompt | None  # the message's content; None without a recipient


async def prompt_view(
    connection: AsyncConnection, prompt_id: int, *, lock: bool = False
) -> PromptView | None:
    statement = (_LOCKED if lock else _READ)(connection)
    rows = [tuple(row) for row in await connection.execute(statement, {"prompt_id": prompt_id})]
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
    rating = None if first[_RATING.start] is None else rating_from(_RATING.of(first))
    return PromptView(
        prompt=prompt,
        team=team,
        recipient=recipient,
        agent_id=first[_TICKET + 2],
        rating=rating,
        rendered=None if recipient is None else _rendered(first, prompt, team, recipient),
    )


def _rendered(
    row: tuple[Any, ...], prompt: Prompt, team: Team, recipient: Person
) -> RatingPrompt:
    scale: Scale = team.scale
    expires_at = prompt.expires_at or prompt.created_at + timedelta(days=team.expiry_days)
    display, email, slack_id = row[_AGENT:_AGENT + 3]
    return RatingPrompt(
        prompt_id=prompt.id,
        recipient=recipient,
        team_name=team.name,
        team_display_name=team.display_name,
        question=team.question or scale.spec.question.format(team=team.display_name),
        scale=scale,
        anonymity=team.anonymity,
        expires_at=expires_at,
        agent_name=display or email or slack_id,
        subject=row[_TICKET],
        ticket_id=row[_TICKET + 1],
    )
