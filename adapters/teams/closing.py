"""Closing a request in a team's Teams help channel, and knowing who asked.

The requester is the first author of the thread: the bot remembers who starts each thread
in a help channel (it reads channel messages with the RSC permission in the manifest).
"""

from __future__ import annotations

import json

from adapters.teams.activities import MessageActionClose
from adapters.teams.escape import escape
from bot.domain.events import ConversationClosed
from bot.domain.identity import PersonIdentity
from bot.domain.model import Person, PromptStatus, Team
from bot.flows.asking import conversation_closed
from bot.ports.store import Store
from bot.services import Services

SOURCE = "teams"
CLOSE_WORDS = frozenset({"close", "closed", "sluiten", "gesloten"})
UNKNOWN_THREAD = ("I don't know who started this thread (it began before ratebot was in this "
                  "channel), so nobody will be asked.")
NOT_A_HELP_CHANNEL = ("This channel is no team's help channel. An admin can make it one with "
                      "`ratings team set <team> help-channel here`, sent in the channel.")


def is_close(typed: str) -> bool:
    return typed.lower().strip(" .!") in CLOSE_WORDS


def thread_id(channel: str, root: str) -> str:
    return f"{channel};messageid={root}"


class HelpChannels:
    def __init__(self, services: Services, store: Store) -> None:
        self.services = services
        self.store = store

    async def help_team(self, channel: str) -> Team | None:
        """The team whose help channel `channel` is."""
        for team in await self.store.list_teams():
            ref = team.channel(SOURCE, "help")
            if ref is not None and _conversation_id(ref) == channel:
                return team
        return None

    async def thread_started(self, thread: str, author: PersonIdentity) -> None:
        person = await self.services.store.upsert_person(author)
        await self.store.save_teams_thread(thread, person.id, at=self.services.clock.now())

    async def close_thread(self, team: Team, thread: str, agent: PersonIdentity) -> str:
        """An agent said `close` in the thread: its first author is asked."""
        requester = await self.store.teams_thread_author(thread)
        if requester is None:
            return escape(UNKNOWN_THREAD)
        status = await self._close(team, thread, requester, agent, None)
        return closed_note(team, requester, status)

    async def close_message(
        self, team: Team, thread: str, found: MessageActionClose, agent: PersonIdentity
    ) -> str:
        """The message action on a message: its author is asked."""
        requester = await self.services.store.upsert_person(found.author)
        status = await self._close(team, thread, requester, agent, found.subject)
        return closed_note(team, requester, status)

    async def _close(
        self, team: Team, thread: str, requester: Person, agent: PersonIdentity,
        subject: str | None,
    ) -> PromptStatus:
        closer = await self.services.store.upsert_person(agent)
        event = ConversationClosed(
            source=SOURCE,
            ticket_id=thread,
            requester_email=requester.email,
            team=team.name,
            closed_at=self.services.clock.now(),
            subject=subject,
            agent_email=closer.email,
            agent_name=closer.display_name,
            requester_teams_id=requester.teams_user_id,
            agent_teams_id=closer.teams_user_id,
        )
        outcome = await conversation_closed(self.services, event)
        return outcome.prompt.status


def closed_note(team: Team, requester: Person, status: PromptStatus) -> str:
    who = escape(requester.display_name or "The requester")
    if status is PromptStatus.PENDING:
        return f"Closed. {who} will be asked to rate {escape(team.display_name)}."
    return f"Closed. {who} will not be asked this time."


def _conversation_id(reference: str) -> str | None:
    try:
        found = json.loads(reference)
        return str(found["conversation"]["id"])
    except (ValueError, KeyError, TypeError):
        return None
