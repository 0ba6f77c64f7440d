"""Jira's API over HTTP against the fake: account ids, searches and their pages, limits."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from adapters.helpdesk.api.http import ApiClient
from adapters.helpdesk.api.jira import JiraApi, JiraApiConfig
from bot.ports.helpdesk_api import ApiRefused, ApiUnavailable
from tests.fakes.helpdesk_apis import FakeJira, basic, jira_issue, jira_user

EMAIL, TOKEN = "bot@acme.example", "atlassian-api-token"
JAN = jira_user("qm:1c3b6f2e-0000-4d1f-9a0e-3f1d5e9a7b21", "Jan Jansen", None, customer=True)
PIET = jira_user("5b10a2844c20165700ede21g", "Piet Pieters", None)
HIDDEN = jira_user("712020:0c8e5c3a-hidden", "Hidden Person", None)
SINCE = datetime(2026, 11, 1, tzinfo=UTC)


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
async def jira() -> AsyncIterator[FakeJira]:
    fake = FakeJira(basic(EMAIL, TOKEN))
    fake.add_user(JAN, hidden_email="Jan@Example.com")
    fake.add_user(PIET, hidden_email="piet@example.com")
    fake.add_user(HIDDEN)
    async with fake.running():
        yield fake


def api_on(jira: FakeJira, sleeps: Sleeps | None = None, *, token: str = TOKEN) -> JiraApi:
    config = JiraApiConfig(jira.url, email=EMAIL, api_token=token)
    return JiraApi(config, sleep=Sleeps() if sleeps is None else sleeps)


async def test_an_account_id_becomes_the_email_and_is_asked_once(jira: FakeJira) -> None:
    api = api_on(jira)
    try:
        assert await api.person_email(JAN["accountId"]) == "Jan@Example.com"
        assert await api.person_email(JAN["accountId"]) == "Jan@Example.com"
        assert await api.person_email(HIDDEN["accountId"]) is None  # the profile hides it
        assert await api.person_email("unknown") is None  # 404
    finally:
        await api.aclose()
    asked = [query["accountId"] for path, query in jira.requests if path == "/rest/api/3/user"]
    assert asked == [JAN["accountId"], HIDDEN["accountId"], "unknown"]


async def test_refused_credentials_and_missing_permissions_say_so(jira: FakeJira) -> None:
    api = api_on(jira, token="wrong")
    try:
        with pytest.raises(ApiRefused, match=r"401.*RATEBOT_JIRA_API_TOKEN"):
            await api.person_email(JAN["accountId"])
    finally:
        await api.aclose()
    jira.deny = True
    api = api_on(jira)
    try:
        with pytest.raises(ApiRefused, match="403"):
            await api.person_email(JAN["accountId"])
    finally:
        await api.aclose()


async def test_a_429_is_waited_out_as_retry_after_says(jira: FakeJira) -> None:
    jira.throttle, jira.retry_after = 2, 2
    sleeps = Sleeps()
    api = api_on(jira, sleeps)
    try:
        assert await api.person_email(PIET["accountId"]) == "piet@example.com"
    finally:
        await api.aclose()
    assert sleeps == [2.0, 2.0]


async def test_a_wait_beyond_the_callers_patience_is_passed_on(jira: FakeJira) -> None:
    jira.throttle, jira.retry_after = 1, 600
    config = JiraApiConfig(jira.url, email=EMAIL, api_token=TOKEN)
    client = ApiClient("jira", config.url, config.authorization(), sleep=Sleeps())
    try:
        with pytest.raises(ApiUnavailable) as raised:
            await client.get_json("/rest/api/3/user", {"accountId": "x"}, patience=60)
    finally:
        await client.aclose()
    assert raised.value.retry_after == 600


async def test_a_search_reads_every_page_and_resolves_hidden_people(jira: FakeJira) -> None:
    base = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    jira.issues = [
        jira_issue("ITSM-1", reporter=JAN, assignee=PIET, resolved=base),
        jira_issue("ITSM-2", reporter=HIDDEN, assignee=PIET, resolved=base + timedelta(hours=1)),
        jira_issue("ITSM-3", reporter=JAN, assignee=None, resolved=base + timedelta(hours=2),
                   status="Declined"),
        jira_issue("ITSM-4", reporter=JAN, assignee=PIET, resolved=base + timedelta(hours=3)),
        jira_issue("ITSM-0", reporter=JAN, assignee=PIET, resolved=SINCE - timedelta(days=5)),
    ]
    api = api_on(jira)
    checkpoint = api.checkpoint_at(SINCE)
    found, unreadable = [], 0
    try:
        while True:
            page = await api.solved_since(checkpoint)
            found.extend(page.closes)
            unreadable += page.unreadable
            checkpoint = page.checkpoint
            if not page.more:
                break
    finally:
        await api.aclose()
    assert [close.ticket_id for close in found] == ["ITSM-1", "ITSM-4"]
    first = found[0]
    assert (first.requester_email, first.requester_name, first.team) == (
        "jan@example.com", "Jan Jansen", "ITSM")
    assert (first.agent_email, first.closed_at) == ("piet@example.com", base)
    assert unreadable == 1  # ITSM-2's reporter hides the e-mail; Declined is no close
    assert json.loads(checkpoint) == {"after": (base + timedelta(hours=3)).isoformat()}
    assert jira.jql[0] == (
        'statusCategory = Done AND resolutiondate >= "2026/10/31 00:00" '
        "ORDER BY resolutiondate ASC"
    )
    assert len(jira.jql) == 2  # four found since the look-back, in pages of two


async def test_data_center_pages_by_start_at_with_a_personal_token(jira: FakeJira) -> None:
    jira.authorization = "Bearer dc-personal-token"
    people = [jira_user(f"JIRAUSER{n}", f"User {n}", f"user{n}@example.com") for n in range(3)]
    base = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    jira.issues = [
        jira_issue(f"OPS-{n}", reporter=people[n], assignee=None,
                   resolved=base + timedelta(minutes=n))
        for n in range(3)
    ]
    api = JiraApi(JiraApiConfig(jira.url, personal_token="dc-personal-token"))
    checkpoint, found = api.checkpoint_at(SINCE), []
    try:
        while True:
            page = await api.solved_since(checkpoint)
            found.extend(close.requester_email for close in page.closes)
            checkpoint = page.checkpoint
            if not page.more:
                break
    finally:
        await api.aclose()
    assert found == ["user0@example.com", "user1@example.com", "user2@example.com"]
    assert [query["startAt"] for path, query in jira.requests] == ["0", "2"]


async def test_the_look_back_window_feeds_only_what_is_new_since_the_checkpoint(
    jira: FakeJira,
) -> None:
    checkpoint_time = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    jira.issues = [
        jira_issue("ITSM-1", reporter=JAN, assignee=None,
                   resolved=checkpoint_time - timedelta(hours=5)),  # read at an earlier poll
        jira_issue("ITSM-2", reporter=JAN, assignee=None,
                   resolved=checkpoint_time - timedelta(minutes=30)),  # the index's margin
        jira_issue("ITSM-3", reporter=JAN, assignee=None,
                   resolved=checkpoint_time + timedelta(minutes=5)),
    ]
    api = api_on(jira)
    found: list[str] = []
    checkpoint = api.checkpoint_at(checkpoint_time)
    try:
        while True:
            page = await api.solved_since(checkpoint)
            found.extend(close.ticket_id for close in page.closes)
            checkpoint = page.checkpoint
            if not page.more:
                break
    finally:
        await api.aclose()
    assert jira.jql[0].startswith('statusCategory = Done AND resolutiondate >= "2026/11/19 12:00"')
    assert found == ["ITSM-2", "ITSM-3"]
