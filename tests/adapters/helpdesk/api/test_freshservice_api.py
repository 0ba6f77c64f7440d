"""Freshservice's API v2 over HTTP against the fake: tickets updated since, pages, limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from adapters.helpdesk.api.freshservice import FreshserviceApi, FreshserviceApiConfig
from adapters.helpdesk.freshservice import FreshserviceWebhook
from bot.domain.events import ConversationClosed
from bot.ports.helpdesk_api import ApiRefused
from tests.fakes.helpdesk_apis import basic
from tests.fakes.itsm_apis import FakeFreshservice

KEY = "freshservice-api-key"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)
BASE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
async def freshservice() -> AsyncIterator[FakeFreshservice]:
    fake = FakeFreshservice(basic(KEY, "X"))
    fake.agents = {7: {"id": 7, "first_name": "Piet", "last_name": "Pieters",
                       "email": "piet@example.com"}}
    fake.groups = {3: {"id": 3, "name": "Service Desk"}}
    jan = ("jan@example.com", "Jan Jansen")
    fake.add_ticket(77, "Incident", 4, BASE, requester=jan, responder=7, group=3)
    fake.add_ticket(78, "Service Request", 5, BASE + timedelta(minutes=1), requester=jan,
                    responder=None, group=None)
    fake.add_ticket(79, "Incident", 2, BASE + timedelta(minutes=2), requester=jan,
                    responder=7, group=3)
    fake.add_ticket(80, "Incident", 4, BASE + timedelta(minutes=3), requester=("", "Nobody"),
                    responder=7, group=3)
    fake.add_ticket(60, "Incident", 4, SINCE - timedelta(days=2), requester=jan,
                    responder=7, group=3)
    async with fake.running():
        yield fake


async def test_resolved_and_closed_tickets_are_closes_with_the_webhooks_ids(
    freshservice: FakeFreshservice,
) -> None:
    api = FreshserviceApi(FreshserviceApiConfig(freshservice.url, KEY), page_size=2)
    checkpoint, closes, unreadable = api.checkpoint_at(SINCE), [], 0
    try:
        while True:
            page = await api.solved_since(checkpoint)
            closes.extend(page.closes)
            unreadable += page.unreadable
            checkpoint = page.checkpoint
            if not page.more:
                break
    finally:
        await api.aclose()
    assert sorted(close.ticket_id for close in closes) == ["INC-77", "SR-78"]
    (incident,) = [close for close in closes if close.ticket_id == "INC-77"]
    assert incident == ConversationClosed(
        source="freshservice", ticket_id="INC-77", requester_email="jan@example.com",
        team="Service Desk", closed_at=BASE, subject="Ticket 77",
        agent_email="piet@example.com", agent_name="Piet Pieters", requester_name="Jan Jansen",
    )
    assert unreadable == 1  # ticket 80 has no requester e-mail
    pages = [q["page"] for p, q in freshservice.requests if p == "/api/v2/tickets"]
    assert pages == ["1", "2", "3"]
    first = next(q for p, q in freshservice.requests if p == "/api/v2/tickets")
    assert first["updated_since"] == "2026-11-01T00:00:00Z"
    assert first["include"] == "requester"


def test_the_webhook_stores_the_same_ids() -> None:
    body = (b'{"ticket_id": "#SR-78", "status": "Closed", '
            b'"requester_email": "jan@example.com"}')
    event = FreshserviceWebhook("s").parse(body, received_at=BASE)
    assert isinstance(event, ConversationClosed) and event.ticket_id == "SR-78"


async def test_a_429_is_waited_out_and_a_bad_key_is_refused(
    freshservice: FakeFreshservice,
) -> None:
    freshservice.throttle, freshservice.retry_after = 1, 3
    sleeps = Sleeps()
    api = FreshserviceApi(FreshserviceApiConfig(freshservice.url, KEY), sleep=sleeps)
    try:
        page = await api.solved_since(api.checkpoint_at(SINCE))
    finally:
        await api.aclose()
    assert sleeps == [3.0]
    assert not page.more and len(page.closes) == 2
    api = FreshserviceApi(FreshserviceApiConfig(freshservice.url, "wrong"))
    try:
        with pytest.raises(ApiRefused, match=r"401.*RATEBOT_FRESHSERVICE_API_KEY"):
            await api.solved_since(api.checkpoint_at(SINCE))
    finally:
        await api.aclose()
