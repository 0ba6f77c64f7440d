"""A prompt delivered to Jan, and Jan as a chat platform names them."""

from __future__ import annotations

import pytest

from app.delivery_worker import DeliveryWorker
from bot.domain.identity import PersonIdentity
from bot.services import Services
from tests.flows.conftest import Close

JAN = PersonIdentity(email="jan@example.com")
STRANGER = PersonIdentity(email="kees@example.com", slack_user_id="UKEES")


@pytest.fixture
async def sent(close: Close, services: Services) -> int:
    """A prompt delivered to Jan; its id."""
    outcome = await close("T-1")
    await DeliveryWorker(services).run_once()
    return outcome.prompt.id


@pytest.fixture
async def jan(services: Services) -> PersonIdentity:
    """Jan as Slack names them: by id alone, after they were linked once."""
    await services.store.upsert_person(PersonIdentity(email=JAN.email, slack_user_id="UJAN"))
    return PersonIdentity(slack_user_id="UJAN")
