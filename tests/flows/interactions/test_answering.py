"""Answering a prompt: the score recorded and shown, refusals said where they belong."""

from __future__ import annotations

from bot.domain.identity import PersonIdentity
from bot.domain.messages import DetractorAlert
from bot.flows.interactions import answering, following_up
from bot.services import Services
from tests.fakes.chat import FakeChat
from tests.fakes.clock import FakeClock
from tests.flows.conftest import ADMIN
from tests.flows.interactions.conftest import STRANGER


async def test_a_score_redraws_the_prompt_and_a_replay_changes_nothing(
    services: Services, sent: int, jan: PersonIdentity
) -> None:
    view = await answering.answer(services, sent, jan, 9, None)
    assert view.update is not None and view.update.score == 9 and view.changed
    assert view.notice is None and view.update.receipt
    again = await answering.answer(services, sent, jan, 9, view.update.receipt)
    assert again.update is not None and not again.changed


async def test_an_expired_prompt_says_so_in_itself_to_its_recipient_only(
    services: Services, sent: int, jan: PersonIdentity, clock: FakeClock
) -> None:
    clock.advance(days=60)
    own = await answering.answer(services, sent, jan, 9, None)
    assert own.update is not None and own.update.notice == own.problem
    assert own.problem is not None and "expired" in own.problem
    other = await answering.answer(services, sent, STRANGER, 9, None)
    assert other.update is None and other.notice is not None and "expired" in other.notice


async def test_someone_else_is_told_alone_that_the_prompt_is_not_theirs(
    services: Services, sent: int
) -> None:
    view = await answering.answer(services, sent, STRANGER, 9, None)
    assert view.update is None
    assert view.notice == "This rating request was sent to someone else, so it can't be " \
        "answered here."


async def test_a_detractor_is_alerted_once_and_a_claim_updates_the_alert(
    services: Services, sent: int, jan: PersonIdentity, chat: FakeChat
) -> None:
    await services.store.set_team_channel("servicedesk", "test", "alert", "CALERTS",
                                          actor=ADMIN, at=services.clock.now())
    await answering.answer(services, sent, jan, 2, None)
    alerted = [message for _, message in chat.posts if isinstance(message, DetractorAlert)]
    assert len(alerted) == 1
    claimed = await following_up.claim(services, alerted[0].follow_up_id,
                                 PersonIdentity(email="piet@example.com"))
    assert chat.alert_updates == [(chat.alert_updates[0][0], claimed)]
    assert claimed.claimed_by is not None
