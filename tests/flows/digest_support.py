"""Helpers for the digest tests: a store with the digest queries, and ratings made the real way."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from app.delivery_worker import DeliveryWorker
from bot.domain.answers import RatingResult
from bot.domain.events import ConversationClosed
from bot.domain.identity import PersonIdentity
from bot.domain.model import PromptStatus
from bot.flows.asking import conversation_closed
from bot.flows.recording import add_comment, record_rating
from bot.services import Services
from storage.digest_queries import DigestQueries
from storage.engine import create_engine
from storage.store import SqlStore
from tests.fakes.clock import FakeClock


class DigestSqlStore(SqlStore, DigestQueries):
    """SqlStore with the digest mixin, whether or not SqlStore already includes it."""


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[DigestSqlStore]:
    opened = DigestSqlStore(create_engine(database_url))
    yield opened
    await opened.close()


class Rater:
    """Makes ratings through the real flows: close a ticket, deliver, click, comment."""

    def __init__(self, services: Services, clock: FakeClock) -> None:
        self._services = services
        self._clock = clock
        self._tickets = itertools.count(1)
        self._people = itertools.count(1)

    def person(self) -> str:
        return f"person{next(self._people)}@example.com"

    async def close(
        self, at: datetime, *, email: str | None = None, team: str = "servicedesk",
        agent: str | None = "piet@example.com",
    ) -> int:
        """Close a ticket at `at` and run the delivery worker; the prompt's id."""
        self._clock.set(at)
        outcome = await conversation_closed(self._services, ConversationClosed(
            source="generic", ticket_id=f"T-{next(self._tickets)}",
            requester_email=email or self.person(), team=team, closed_at=at,
            agent_email=agent,
        ))
        await DeliveryWorker(self._services).run_once()
        return outcome.prompt.id

    async def rate(
        self, at: datetime, score: int, *, team: str = "servicedesk",
        agent: str | None = "piet@example.com", comment: str | None = None,
        name: str | None = None,
    ) -> RatingResult:
        email = self.person()
        if name is not None:
            await self._services.store.upsert_person(
                PersonIdentity(email=email, display_name=name)
            )
        prompt_id = await self.close(at, email=email, team=team, agent=agent)
        prompt = await self._services.store.get_prompt(prompt_id)
        assert prompt is not None and prompt.status is PromptStatus.SENT, prompt
        result = await record_rating(
            self._services, prompt_id, PersonIdentity(email=email), score
        )
        if comment is not None:
            await add_comment(self._services, prompt_id, PersonIdentity(email=email), comment,
                              receipt=result.receipt)
        return result
