"""ServiceNow's Table API over HTTP against the fake: resolved incidents, pages, limits."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from adapters.helpdesk.api.servicenow import ServiceNowApi, ServiceNowApiConfig
from bot.domain.events import ConversationClosed
from bot.ports.helpdesk_api import ApiRefused
from tests.fakes.helpdesk_apis import basic
from tests.fakes.itsm_apis import FakeServiceNow

USER, PASSWORD = "ratebot.integration", "servicenow-password"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)
BASE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
async def servicenow() -> AsyncIterator[FakeServiceNow]:
    fake = FakeServiceNow(basic(USER, PASSWORD))
    fake.users = {"u-jan": {"email": "Jan@Example.com", "name": "Jan Jansen"},
                  "u-piet": {"email": "piet@example.com", "name": "Piet Pieters"},
                  "u-nomail": {"email": "", "name": "No Mail"}}
    fake.groups = {"g-sd": {"name": "Service Desk"}}
    fake.add_incident("INC0010001", "6", BASE, caller="u-jan", assignee="u-piet", group="g-sd")
    fake.add_incident("INC0010002", "7", BASE + timedelta(hours=1), caller="u-jan",
                      assignee=None, group=None)
    fake.add_incident("INC0010003", "6", BASE + timedelta(hours=2), caller="u-nomail",
                      assignee="u-piet", group="g-sd")
    fake.add_incident("INC0010004", "2", None, caller="u-jan", assignee=None, group=None)
    fake.add_incident("INC0010000", "6", SINCE - timedelta(days=3), caller="u-jan",
                      assignee=None, group=None)
    async with fake.running():
        yield fake


async def test_resolved_incidents_are_read_page_by_page_as_the_business_rule_sends_them(
    servicenow: FakeServiceNow,
) -> None:
    api = ServiceNowApi(ServiceNowApiConfig(servicenow.url, USER, PASSWORD), page_size=2)
    checkpoint, closes, unreadable, pages = api.checkpoint_at(SINCE), [], 0, 0
    try:
        while True:
            page = await api.solved_since(checkpoint)
            closes.extend(page.closes)
            unreadable += page.unreadable
            checkpoint, pages = page.checkpoint, pages + 1
            if not page.more:
                break
        assert await api.person_email("u-piet") == "piet@example.com"
        assert await api.group_name("g-sd") == "Service Desk"
    finally:
        await api.aclose()
    assert [close.ticket_id for close in closes] == ["INC0010001", "INC0010002"]
    assert closes[0] == ConversationClosed(
        source="servicenow", ticket_id="INC0010001", requester_email="jan@example.com",
        team="Service Desk", closed_at=BASE, subject="About INC0010001",
        agent_email="piet@example.com", agent_name="Piet Pieters", requester_name="Jan Jansen",
    )
    assert unreadable == 1  # INC0010003's caller has no e-mail
    assert pages == 2
    assert json.loads(checkpoint) == {"after": (BASE + timedelta(hours=1)).isoformat()}
    assert servicenow.queries[0] == (
        "stateIN6,7^resolved_at>=2026-10-31 00:00:00^ORDERBYresolved_at^ORDERBYnumber"
    )
    offsets = [q["sysparm_offset"] for p, q in servicenow.requests if p.endswith("/incident")]
    assert offsets == ["0", "2"]


async def test_a_429_is_waited_out_and_refusals_say_so(servicenow: FakeServiceNow) -> None:
    servicenow.throttle, servicenow.retry_after = 1, 4
    sleeps = Sleeps()
    api = ServiceNowApi(ServiceNowApiConfig(servicenow.url, USER, PASSWORD), sleep=sleeps)
    try:
        page = await api.solved_since(api.checkpoint_at(SINCE))
    finally:
        await api.aclose()
    assert sleeps == [4.0]
    assert len(page.closes) == 2
    api = ServiceNowApi(ServiceNowApiConfig(servicenow.url, USER, "wrong"))
    try:
        with pytest.raises(ApiRefused, match=r"401.*RATEBOT_SERVICENOW_PASSWORD"):
            await api.solved_since(api.checkpoint_at(SINCE))
    finally:
        await api.aclose()
