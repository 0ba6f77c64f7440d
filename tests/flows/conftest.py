"""Flows run against a real store (every engine), a fake clock and the test platform."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.decisions import CloseOutcome
from bot.domain.events import ConversationClosed
from bot.domain.identity import PersonIdentity
from bot.flows.asking import conversation_closed
from bot.ports.store import Store
from bot.services import Policy, Services
from tests.fakes.chat import FakeChat
from tests.fakes.clock import FakeClock

ADMIN = "test:admin"


@pytest.fixture
def chat() -> FakeChat:
    return FakeChat()


@pytest.fixture
async def services(store: Store, clock: FakeClock, chat: FakeChat) -> Services:
    now = clock.now()
    await store.add_team("servicedesk", display_name="Service Desk", actor=ADMIN, at=now)
    await store.add_team("infra", display_name="Infrastructure", actor=ADMIN, at=now)
    await store.add_agent(
        "servicedesk", PersonIdentity(email="piet@example.com", display_name="Piet"),
        actor=ADMIN, at=now,
    )
    return Services(store=store, clock=clock, policy=Policy(), chats=(chat,),
                    rng=random.Random(1))


@pytest.fixture
def store_engine(store: Store) -> AsyncEngine:
    """The engine behind the store, for tests that read the database directly."""
    engine: AsyncEngine = store.engine  # type: ignore[attr-defined]
    return engine


Close = Callable[..., Awaitable[CloseOutcome]]


@pytest.fixture
def close(services: Services, clock: FakeClock) -> Close:
    """Close a ticket: `await close("T-1", "jan@example.com")`."""

    async def close_ticket(
        ticket: str, email: str = "jan@example.com", *, team: str = "servicedesk",
        agent: str | None = "piet@example.com", source: str = "generic",
        closed_at: datetime | None = None, **extra: object,
    ) -> CloseOutcome:
        event = ConversationClosed(
            source=source, ticket_id=ticket, requester_email=email, team=team,
            closed_at=closed_at or clock.now(), subject=f"Subject of {ticket}",
            agent_email=agent, **extra,  # type: ignore[arg-type]
        )
        return await conversation_closed(services, event)

    return close_ticket
