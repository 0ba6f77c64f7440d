"""Closing the loop, platform-neutral: the alert goes to the team's channel, once."""

from __future__ import annotations

import dataclasses

import pytest

from app.delivery_worker import DeliveryWorker
from bot.domain.answers import RatingResult
from bot.domain.errors import InvalidValue
from bot.domain.identity import PersonIdentity
from bot.domain.messages import DetractorAlert
from bot.domain.model import FollowUpStatus
from bot.flows import alerts
from bot.flows.interactions import following_up
from bot.flows.recording import record_rating
from bot.services import Services
from tests.fakes.chat import FakeChat
from tests.flows.conftest import ADMIN, Close

JAN = PersonIdentity(email="jan@example.com")
PIET = PersonIdentity(email="piet@example.com", display_name="Piet")


@pytest.fixture
async def chat_services(services: Services) -> Services:
    store = services.store
    now = services.clock.now()
    await store.set_team_channel("servicedesk", "test", "alert", "C-ALERT", actor=ADMIN, at=now)
    return dataclasses.replace(services, store=store)


async def detractor(chat_services: Services, close: Close, score: int = 2) -> RatingResult:
    outcome = await close("T-1")
    await DeliveryWorker(chat_services).run_once()
    result = await record_rating(chat_services, outcome.prompt.id, JAN, score)
    assert result.follow_up_id is not None and result.alert is not None
    return result


async def test_the_alert_goes_to_the_teams_channel_once(
    chat_services: Services, close: Close, chat: FakeChat
) -> None:
    result = await detractor(chat_services, close)
    assert result.alert is not None and result.follow_up_id is not None
    follow_up_id = result.follow_up_id
    ref = await alerts.alert_detractor(chat_services, result.alert)
    # Asked again by its follow-up, the posted alert is found and not posted twice.
    again = await alerts.alert_detractor(chat_services, follow_up_id)
    assert ref is not None and again == ref
    [(channel, alert)] = chat.posts
    assert channel == "C-ALERT" and isinstance(alert, DetractorAlert)
    assert (alert.score, alert.agent_name, alert.ticket_id) == (2, "Piet", "T-1")
    assert alert.requester_name == "jan@example.com"  # identified team: named
    # The alert drafted with the answer is the one read back for updates.
    assert alert == await alerts.refresh(chat_services, follow_up_id)
    follow_up = await chat_services.store.get_follow_up(follow_up_id)
    assert follow_up is not None and (follow_up.alert_platform, follow_up.alert_ref) == (
        "test", ref)


async def test_without_an_alert_channel_nothing_is_posted(
    chat_services: Services, close: Close, chat: FakeChat
) -> None:
    now = chat_services.clock.now()
    await chat_services.store.set_team_channel("servicedesk", "test", "alert", None,
                                               actor=ADMIN, at=now)
    result = await detractor(chat_services, close)
    assert result.alert is not None and result.follow_up_id is not None
    assert await alerts.alert_detractor(chat_services, result.alert) is None
    assert await alerts.alert_detractor(chat_services, result.follow_up_id) is None
    assert chat.posts == []


async def test_claim_and_resolve(chat_services: Services, close: Close) -> None:
    follow_up_id = (await detractor(chat_services, close)).follow_up_id
    assert follow_up_id is not None
    claimed = await following_up.claim(chat_services, follow_up_id, PIET)
    assert claimed.claimed_by == "Piet" and claimed.resolved_by is None
    resolved = await following_up.resolve(chat_services, follow_up_id, PIET, "  called   back ")
    assert (resolved.resolved_by, resolved.resolution_note) == ("Piet", "called back")
    follow_up = await chat_services.store.get_follow_up(follow_up_id)
    assert follow_up is not None and follow_up.status is FollowUpStatus.RESOLVED
    with pytest.raises(InvalidValue, match="already resolved"):
        await following_up.claim(chat_services, follow_up_id, PIET)
