"""A detractor's click costs at most two store transactions, on every engine.

The first records the rating, opens the follow-up and drafts the alert; the alert is
posted outside any transaction; the second keeps the posted alert's reference. The
comment that follows is one transaction, which also reads the alert it now joins.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from app.delivery_worker import DeliveryWorker
from bot.domain.identity import PersonIdentity
from bot.domain.messages import DetractorAlert
from bot.domain.model import Anonymity
from bot.flows import alerts
from bot.flows.interactions.answering import answer
from bot.flows.interactions.commenting import comment
from bot.flows.recording import Alongside, AlreadyDelivered, record_comment, record_rating
from bot.ports.store import Store
from bot.services import Services
from tests.fakes.chat import FakeChat
from tests.flows.conftest import ADMIN, Close

JAN = PersonIdentity(email="jan@example.com")


@contextmanager
def counted_transactions() -> Iterator[list[Connection]]:
    """Every transaction any engine begins meanwhile (SQLite inline, threaded, PostgreSQL)."""
    begun: list[Connection] = []

    def on_begin(connection: Connection) -> None:
        begun.append(connection)

    sa.event.listen(Engine, "begin", on_begin)
    try:
        yield begun
    finally:
        sa.event.remove(Engine, "begin", on_begin)


@pytest.fixture
async def sent(services: Services, close: Close) -> int:
    """A prompt delivered to Jan, in a team with an alert channel; its id."""
    now = services.clock.now()
    await services.store.set_team_channel(
        "servicedesk", "test", "alert", "C-ALERT", actor=ADMIN, at=now
    )
    outcome = await close("T-1")
    await DeliveryWorker(services).run_once()
    return outcome.prompt.id


async def test_a_detractors_click_is_two_transactions(
    services: Services, sent: int, chat: FakeChat
) -> None:
    with counted_transactions() as begun:
        result = await record_rating(services, sent, JAN, 1, delivery_key="click-1")
        assert result.alert is not None
        ref = await alerts.alert_detractor(services, result.alert)
    assert len(begun) == 2  # exactly: the counter sees every transaction, on every engine
    [(channel, posted)] = chat.posts
    assert channel == "C-ALERT" and isinstance(posted, DetractorAlert)
    follow_up = await services.store.get_follow_up(posted.follow_up_id)
    assert follow_up is not None and (follow_up.alert_platform, follow_up.alert_ref) == (
        "test", ref)


async def test_the_shared_answer_flow_keeps_to_two(
    services: Services, sent: int, chat: FakeChat
) -> None:
    """What Slack and Teams call for a click: record, alert, say what shows."""
    with counted_transactions() as begun:
        view = await answer(services, sent, JAN, 0, None)
    assert len(begun) <= 2
    assert view.update is not None and view.update.score == 0
    assert len(chat.posts) == 1


async def test_the_click_checks_its_delivery_in_its_own_transaction(
    services: Services, sent: int, chat: FakeChat
) -> None:
    """With the platform's id of the click, no separate de-duplication is needed."""
    with counted_transactions() as begun:
        view = await answer(services, sent, JAN, 0, None, delivery_key="slack:click-1")
    assert len(begun) == 2 and view.changed
    again = await answer(services, sent, JAN, 0, None, delivery_key="slack:click-1")
    assert not again.changed and again.update is not None and again.update.score == 0
    assert len(chat.posts) == 1


async def test_a_click_delivered_twice_is_recorded_once(services: Services, sent: int) -> None:
    first = await record_rating(services, sent, JAN, 9, delivery_key="click-1")
    with pytest.raises(AlreadyDelivered):
        await record_rating(services, sent, JAN, 3, receipt=first.receipt, delivery_key="click-1")
    prompt = await record_rating(services, sent, JAN, 9, receipt=first.receipt)
    assert not prompt.changed and prompt.rating.score == 9


@pytest.mark.parametrize("anonymity", list(Anonymity))
async def test_the_drafted_alert_is_the_one_read_back(
    services: Services, sent: int, anonymity: Anonymity
) -> None:
    """One rendering: the alert drafted with the answer equals the one later updates show."""
    now = services.clock.now()
    await services.store.update_team(
        "servicedesk", {"anonymity": anonymity}, actor=ADMIN, at=now
    )
    result = await record_rating(services, sent, JAN, 2)
    assert result.alert is not None and result.follow_up_id is not None
    drafted = result.alert.alert
    assert drafted == await alerts.refresh(services, result.follow_up_id)
    named = anonymity is Anonymity.IDENTIFIED
    assert (drafted.requester_name is not None) == named
    assert (drafted.agent_name is None) == (anonymity is Anonymity.ANONYMOUS)


async def test_reading_the_follow_up_again_costs_a_transaction(
    services: Services, sent: int
) -> None:
    """Why the click hands its drafted alert on: alerting by id reads it again."""
    result = await record_rating(services, sent, JAN, 1)
    assert result.follow_up_id is not None
    with counted_transactions() as begun:
        await alerts.alert_detractor(services, result.follow_up_id)
    assert len(begun) == 2  # the read, then the reference


async def test_a_comment_is_one_transaction_and_joins_the_posted_alert(
    services: Services, sent: int, chat: FakeChat
) -> None:
    rated = await record_rating(services, sent, JAN, 1)
    assert rated.alert is not None
    ref = await alerts.alert_detractor(services, rated.alert)
    with counted_transactions() as begun:
        commented = await record_comment(services, sent, JAN, " Nobody called ", rated.receipt)
    assert len(begun) == 1
    assert commented.rating.comment == "Nobody called"
    assert commented.prompt is not None and commented.prompt.prompt_id == sent
    assert commented.alert is not None
    assert (commented.alert.platform, commented.alert.ref) == ("test", ref)
    assert commented.alert.alert.comment == "Nobody called"
    with counted_transactions() as begun:
        view = await comment(services, sent, JAN, "Still nothing", rated.receipt)
    assert len(begun) == 1
    assert view.update is not None and view.update.comment == "Still nothing"
    [(updated_ref, updated)] = chat.alert_updates
    assert (updated_ref, updated.comment) == (ref, "Still nothing")


async def test_a_comment_without_an_alert_updates_none(
    services: Services, sent: int, chat: FakeChat
) -> None:
    rated = await record_rating(services, sent, JAN, 9)
    commented = await record_comment(services, sent, JAN, "Quick", rated.receipt)
    assert commented.alert is None and chat.alert_updates == []


def keeping(services: Services, note: str) -> Alongside:
    """Work a platform does with a click: here, a checkpoint anyone can read back."""
    async def keep(tx: Store) -> None:
        await tx.save_checkpoint("platform-probe", note, at=services.clock.now())

    return keep


async def test_work_alongside_a_click_is_written_in_the_answers_transaction(
    services: Services, sent: int
) -> None:
    with counted_transactions() as begun:
        view = await answer(services, sent, JAN, 9, None, alongside=keeping(services, "kept"))
    assert len(begun) == 1 and view.update is not None and view.update.score == 9
    assert await services.store.poll_checkpoint("platform-probe") == "kept"


async def test_work_alongside_a_refused_click_is_written_alone(
    services: Services, sent: int
) -> None:
    stranger = PersonIdentity(email="stranger@example.com")
    view = await answer(services, sent, stranger, 9, None, alongside=keeping(services, "alone"))
    assert view.update is None and view.problem is not None  # not theirs to answer
    assert await services.store.poll_checkpoint("platform-probe") == "alone"
    assert await services.store.rating_of_prompt(sent) is None


async def test_a_click_whose_work_alongside_fails_records_nothing(
    services: Services, sent: int
) -> None:
    async def broken(tx: Store) -> None:
        await tx.save_checkpoint("platform-probe", "half", at=services.clock.now())
        raise RuntimeError("the platform's work failed")

    with pytest.raises(RuntimeError):
        await answer(services, sent, JAN, 9, None, alongside=broken)
    assert await services.store.rating_of_prompt(sent) is None
    assert await services.store.poll_checkpoint("platform-probe") is None
