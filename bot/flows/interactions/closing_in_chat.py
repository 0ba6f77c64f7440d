"""A request closed in a team's help channel (a reaction, a message action, "close").

The platform says which channel and message; this finds the team whose help channel it
is, checks who may close there, and asks the requester through the asking flow.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.events import ConversationClosed
from bot.domain.identity import PersonIdentity
from bot.domain.model import Person, PromptStatus, Team
from bot.domain.texts import text
from bot.flows.asking import conversation_closed
from bot.flows.interactions.views import Closed
from bot.services import Services

# A stored channel reference -> the channel's id on the platform (None: unreadable).
ChannelOf = Callable[[str], str | None]


def _as_is(ref: str) -> str | None:
    return ref


async def help_team(
    services: Services, platform: str, channel: str, channel_of: ChannelOf = _as_is
) -> Team | None:
    """The team whose help channel on `platform` is `channel`, if any."""
    for team in await services.store.list_teams():
        ref = team.channel(platform, "help")
        if ref is not None and channel_of(ref) == channel:
            return team
    return None


async def helps_in(services: Services, team: Team, person: Person) -> bool:
    """Whether `person` is one of the team's agents (only they close by reaction)."""
    return any(agent.id == person.id for _, agent in await services.store.list_agents(team.name))


async def thread_started(services: Services, thread: str, author: PersonIdentity) -> None:
    """Remember who opened a help thread: the person to ask when it is closed."""
    async with services.store.transaction() as tx:
        person = await tx.upsert_person(author)
        await tx.save_teams_thread(thread, person.id, at=services.clock.now())


async def thread_author(services: Services, thread: str) -> Person | None:
    """Who opened the thread, when the bot saw it being opened."""
    return await services.store.teams_thread_author(thread)


async def close_request(
    services: Services, *, source: str, team: Team, ticket_id: str,
    requester: PersonIdentity, closer: PersonIdentity, subject: str | None = None,
) -> Closed:
    """`closer` closed the request `requester` opened: ask the requester (or say why not)."""
    async with services.store.transaction() as tx:
        asker = await tx.upsert_person(requester)
        agent = await tx.upsert_person(closer)
    event = ConversationClosed(
        source=source,
        ticket_id=ticket_id,
        requester_email=asker.email,
        team=team.name,
        closed_at=services.clock.now(),
        subject=subject,
        agent_email=agent.email,
        agent_name=agent.display_name,
        requester_name=asker.display_name,
        requester_slack_id=asker.slack_user_id,
        requester_teams_id=asker.teams_user_id,
        agent_slack_id=agent.slack_user_id,
        agent_teams_id=agent.teams_user_id,
    )
    outcome = await conversation_closed(services, event)
    return Closed(team, asker, asked=outcome.prompt.status is PromptStatus.PENDING)


def closed_note(
    closed: Closed, who: str | None, escape: Callable[[str], str], locale: str
) -> str:
    """What the closer is told, in their language; `who` is the requester as the platform
    names them (already safe for it), None where it cannot."""
    named = who if who is not None else escape(text("closing.requester", locale))
    if closed.asked:
        return text("closing.asked", locale, who=named, team=escape(closed.team.display_name))
    return text("closing.not_asked", locale, who=named)
