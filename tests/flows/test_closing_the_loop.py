"""'You said, we did': a resolved follow-up's note goes privately to the person who rated."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from app.delivery_worker import DeliveryWorker
from bot.domain.errors import InvalidValue
from bot.domain.identity import PersonIdentity
from bot.domain.model import Anonymity, FollowUpStatus
from bot.flows.interactions import following_up
from bot.flows.recording import record_rating
from bot.ports.chat import PermanentDeliveryError, RecipientUnreachable
from bot.ports.telemetry import SilentTelemetry
from bot.services import Services
from tests.fakes.chat import FakeChat
from tests.flows.conftest import ADMIN, Close

JAN = PersonIdentity(email="jan@example.com")
PIET = PersonIdentity(email="piet@example.com", display_name="Piet")


class CountingTelemetry(SilentTelemetry):
    def __init__(self) -> None:
        self.failures: list[tuple[str, str]] = []

    def delivery_failed(self, platform: str, kind: str) -> None:
        self.failures.append((platform, kind))


async def rated(services: Services, close: Close, score: int = 2, ticket: str = "T-1") -> int:
    """A detractor's rating of `ticket`; its follow-up's id."""
    outcome = await close(ticket)
    await DeliveryWorker(services).run_once()
    result = await record_rating(services, outcome.prompt.id, JAN, score)
    assert result.follow_up_id is not None
    return result.follow_up_id


async def set_team(services: Services, **values: object) -> None:
    await services.store.update_team("servicedesk", values, actor=ADMIN,
                                     at=services.clock.now())


async def test_the_rater_hears_what_was_done(
    services: Services, close: Close, chat: FakeChat
) -> None:
    follow_up_id = await rated(services, close)
    await following_up.resolve(services, follow_up_id, PIET, "  Replaced the\n toner ")
    assert chat.directs_to("jan@example.com") == [
        "You rated Service Desk on “Subject of T-1”, and they followed up. "
        "What they did: Replaced the toner"
    ]
    assert chat.directs_to("piet@example.com") == []


async def test_no_note_no_message(services: Services, close: Close, chat: FakeChat) -> None:
    follow_up_id = await rated(services, close)
    await following_up.resolve(services, follow_up_id, PIET, "   ")
    assert chat.directs == []


async def test_confidential_teams_tell_the_rater_too(
    services: Services, close: Close, chat: FakeChat
) -> None:
    await set_team(services, anonymity=Anonymity.CONFIDENTIAL)
    follow_up_id = await rated(services, close)
    await following_up.resolve(services, follow_up_id, PIET, "Fixed")
    assert [text.endswith("What they did: Fixed") for text in
            chat.directs_to("jan@example.com")] == [True]


async def test_anonymous_teams_tell_nobody(
    services: Services, close: Close, chat: FakeChat
) -> None:
    await set_team(services, anonymity=Anonymity.ANONYMOUS)
    follow_up_id = await rated(services, close)
    resolved = await following_up.resolve(services, follow_up_id, PIET, "Fixed")
    assert resolved.resolved_by == "Piet" and resolved.resolution_note == "Fixed"
    assert chat.directs == []


async def test_in_the_teams_language_when_the_person_has_none(
    services: Services, close: Close, chat: FakeChat
) -> None:
    await set_team(services, locale="nl")
    follow_up_id = await rated(services, close)
    await following_up.resolve(services, follow_up_id, PIET, "Toner vervangen")
    assert chat.directs_to("jan@example.com") == [
        "Je beoordeelde Service Desk over “Subject of T-1” en zij hebben het opgevolgd. "
        "Wat ze deden: Toner vervangen"
    ]


async def test_in_the_persons_own_language_first(
    services: Services, close: Close, chat: FakeChat
) -> None:
    await services.store.upsert_person(PersonIdentity(email="jan@example.com", locale="nl-NL"))
    follow_up_id = await rated(services, close)
    await following_up.resolve(services, follow_up_id, PIET, "Gedaan")
    [said] = chat.directs_to("jan@example.com")
    assert said.startswith("Je beoordeelde Service Desk")


async def test_a_platform_failure_leaves_the_resolution_and_is_counted(
    services: Services, close: Close, chat: FakeChat, caplog: pytest.LogCaptureFixture
) -> None:
    telemetry = CountingTelemetry()
    services = dataclasses.replace(services, telemetry=telemetry)
    follow_up_id = await rated(services, close)
    chat.fail_next(PermanentDeliveryError("test: channel_not_found"))
    with caplog.at_level(logging.WARNING, logger="bot.flows.closing_the_loop"):
        resolved = await following_up.resolve(services, follow_up_id, PIET, "Fixed")
    assert resolved.resolved_by == "Piet"
    follow_up = await services.store.get_follow_up(follow_up_id)
    assert follow_up is not None and follow_up.status is FollowUpStatus.RESOLVED
    assert chat.directs == [] and telemetry.failures == [("test", "notice")]
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.flows.closing_the_loop"]
    assert f"follow-up {follow_up_id}" in line and "jan" not in line and "Fixed" not in line


async def test_a_person_no_platform_knows_is_counted_once(
    services: Services, close: Close
) -> None:
    telemetry = CountingTelemetry()
    other = FakeChat(platform="other", unknown_emails={"jan@example.com"})
    services = dataclasses.replace(services, telemetry=telemetry)
    follow_up_id = await rated(services, close)
    services = dataclasses.replace(services, chats=(other,))
    await following_up.resolve(services, follow_up_id, PIET, "Fixed")
    assert other.directs == [] and telemetry.failures == [("none", "notice")]


async def test_the_next_platform_is_tried_when_one_does_not_know_the_person(
    services: Services, close: Close, chat: FakeChat
) -> None:
    follow_up_id = await rated(services, close)
    chat.fail_next(RecipientUnreachable("not installed"))
    second = FakeChat(platform="second")
    services = dataclasses.replace(services, chats=(chat, second))
    await following_up.resolve(services, follow_up_id, PIET, "Fixed")
    assert chat.directs == [] and len(second.directs_to("jan@example.com")) == 1


async def test_resolving_again_sends_nothing_more(
    services: Services, close: Close, chat: FakeChat
) -> None:
    follow_up_id = await rated(services, close)
    await following_up.resolve(services, follow_up_id, PIET, "Fixed")
    with pytest.raises(InvalidValue):
        await following_up.resolve(services, follow_up_id, PIET, "Fixed again")
    assert len(chat.directs) == 1
