"""Zendesk's API over HTTP against the fake: the incremental export, people, groups, limits."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from adapters.helpdesk.api.zendesk import ZendeskApi, ZendeskApiConfig
from bot.domain.events import ConversationClosed
from bot.ports.helpdesk_api import ApiRefused, HelpdeskApi
from tests.fakes.helpdesk_apis import FakeZendesk, basic

EMAIL, TOKEN = "agent@acme.example", "zendesk-api-token"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)
BASE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
async def zendesk() -> AsyncIterator[FakeZendesk]:
    fake = FakeZendesk(basic(f"{EMAIL}/token", TOKEN))
    fake.add_user(11, "Jan Jansen", "Jan@Example.com")
    fake.add_user(22, "Piet Pieters", "piet@example.com")
    fake.add_group(5, "IT Support")
    fake.add_ticket(101, "solved", BASE, requester=11, assignee=22, group=5, subject="VPN")
    fake.add_ticket(102, "open", BASE + timedelta(minutes=1), requester=11, assignee=22,
                    group=5, subject="Printer")
    fake.add_ticket(103, "closed", BASE + timedelta(minutes=2), requester=11, assignee=None,
                    group=None, subject="Mail")
    fake.add_ticket(104, "solved", BASE + timedelta(minutes=3), requester=99, assignee=22,
                    group=5, subject="Requester deleted")
    fake.add_ticket(90, "solved", SINCE - timedelta(days=1), requester=11, assignee=22,
                    group=5, subject="Before the start")
    async with fake.running():
        yield fake


def api_on(zendesk: FakeZendesk, sleeps: Sleeps | None = None,
           token: str = TOKEN) -> ZendeskApi:
    return ZendeskApi(ZendeskApiConfig(zendesk.url, EMAIL, token),
                      sleep=Sleeps() if sleeps is None else sleeps)


async def poll(api: HelpdeskApi, checkpoint: str) -> tuple[list[ConversationClosed], int, str]:
    closes: list[ConversationClosed] = []
    unreadable = 0
    while True:
        page = await api.solved_since(checkpoint)
        closes.extend(page.closes)
        unreadable += page.unreadable
        checkpoint = page.checkpoint
        if not page.more:
            return closes, unreadable, checkpoint


async def test_the_export_finds_solved_and_closed_tickets_page_by_page(
    zendesk: FakeZendesk,
) -> None:
    api = api_on(zendesk)
    try:
        closes, unreadable, checkpoint = await poll(api, api.checkpoint_at(SINCE))
        assert [close.ticket_id for close in closes] == ["101", "103"]
        assert closes[0] == ConversationClosed(
            source="zendesk", ticket_id="101", requester_email="jan@example.com",
            team="IT Support", closed_at=BASE, subject="VPN", agent_email="piet@example.com",
            agent_name="Piet Pieters", requester_name="Jan Jansen",
        )
        assert closes[1].team == ""  # no group: the default team, or a refusal, decides
        assert unreadable == 1  # 104's requester is gone
        # The stored cursor resumes after what was read: only a newly solved ticket comes.
        zendesk.add_ticket(105, "solved", BASE + timedelta(hours=1), requester=11,
                           assignee=22, group=5, subject="New")
        again, _, _ = await poll(api, checkpoint)
        assert [close.ticket_id for close in again] == ["105"]
    finally:
        await api.aclose()
    exports = [query for path, query in zendesk.requests if path.endswith("cursor.json")]
    assert exports[0] == {"start_time": str(int(SINCE.timestamp()))}
    assert all("cursor" in query for query in exports[1:])
    users = [path for path, _ in zendesk.requests if path.startswith("/api/v2/users/")]
    assert sorted(set(users)) == sorted(users)  # each person asked once (cached)


async def test_the_export_limit_is_waited_out(zendesk: FakeZendesk) -> None:
    zendesk.throttle, zendesk.retry_after = 1, 7
    sleeps = Sleeps()
    api = api_on(zendesk, sleeps)
    try:
        closes, _, _ = await poll(api, api.checkpoint_at(SINCE))
    finally:
        await api.aclose()
    assert sleeps == [7.0]
    assert len(closes) == 2


async def test_refused_credentials_name_the_settings(zendesk: FakeZendesk) -> None:
    api = api_on(zendesk, token="wrong")
    try:
        with pytest.raises(ApiRefused, match=r"401.*RATEBOT_ZENDESK_API_TOKEN"):
            await api.solved_since(api.checkpoint_at(SINCE))
    finally:
        await api.aclose()
    zendesk.deny = True
    api = api_on(zendesk)
    try:
        with pytest.raises(ApiRefused, match="403"):
            await api.group_name("5")
    finally:
        await api.aclose()


async def test_a_checkpoint_is_plain_json(zendesk: FakeZendesk) -> None:
    api = api_on(zendesk)
    assert json.loads(api.checkpoint_at(SINCE)) == {"start_time": int(SINCE.timestamp())}
