"""GLPI's REST API over HTTP against the fake: sessions, the solved-ticket search, people."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from adapters.helpdesk.api.glpi import GlpiApi, GlpiApiConfig
from bot.domain.events import ConversationClosed
from bot.ports.helpdesk_api import ApiRefused
from tests.fakes.itsm_apis import FakeGlpi

USER_TOKEN = "glpi-user-token"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
async def glpi() -> AsyncIterator[FakeGlpi]:
    fake = FakeGlpi(f"user_token {USER_TOKEN}")
    fake.users = {7: {"id": 7, "name": "jan", "firstname": "Jan", "realname": "Jansen"},
                  8: {"id": 8, "name": "piet", "firstname": "Piet", "realname": "Pieters"},
                  9: {"id": 9, "name": "nomail", "firstname": "", "realname": ""}}
    fake.emails = {7: [{"email": "old@example.com", "is_default": 0},
                       {"email": "Jan@Example.com", "is_default": 1}],
                   8: [{"email": "piet@example.com", "is_default": 1}]}
    fake.groups = {3: {"id": 3, "name": "Service Desk", "completename": "IT > Service Desk"}}
    fake.add_ticket(42, 5, "2026-11-20 09:00:00", requester=7, technician=8, group=3)
    fake.add_ticket(43, 6, "2026-11-20 10:00:00", requester=7, technician=None, group=None)
    fake.add_ticket(44, 5, "2026-11-20 11:00:00", requester=9, technician=8, group=3)
    fake.add_ticket(45, 2, None, requester=7, technician=8, group=3)
    fake.add_ticket(40, 6, "2026-10-20 09:00:00", requester=7, technician=8, group=3)
    async with fake.running():
        yield fake


async def poll(api: GlpiApi, checkpoint: str) -> tuple[list[ConversationClosed], int, str]:
    closes: list[ConversationClosed] = []
    unreadable = 0
    while True:
        page = await api.solved_since(checkpoint)
        closes.extend(page.closes)
        unreadable += page.unreadable
        checkpoint = page.checkpoint
        if not page.more:
            return closes, unreadable, checkpoint


async def test_solved_and_closed_tickets_become_closes_with_their_people(glpi: FakeGlpi) -> None:
    api = GlpiApi(GlpiApiConfig(glpi.url, USER_TOKEN), page_size=2)
    try:
        closes, unreadable, checkpoint = await poll(api, api.checkpoint_at(SINCE))
        # An expired session is opened again once, and the poll goes on from its checkpoint.
        glpi.expire_sessions()
        glpi.add_ticket(46, 5, "2026-11-21 08:00:00", requester=7, technician=None, group=3)
        later, _, _ = await poll(api, checkpoint)
    finally:
        await api.aclose()
    assert [close.ticket_id for close in closes] == ["42", "43"]
    assert closes[0] == ConversationClosed(
        source="glpi", ticket_id="42", requester_email="jan@example.com", team="Service Desk",
        closed_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC), subject="Ticket 42",
        agent_email="piet@example.com", agent_name="Piet Pieters", requester_name="Jan Jansen",
    )
    assert unreadable == 1  # 44's requester has no e-mail
    assert json.loads(checkpoint) == {"after": "2026-11-20 10:00:00"}  # the last close
    assert glpi.searches[0]["criteria[1][value]"] == "2026-10-31 09:00:00"
    # The hour's margin reads 43 again (a duplicate at intake), and finds 46.
    assert [close.ticket_id for close in later] == ["43", "46"]
    assert [path for path, _ in glpi.requests].count("/initSession") == 2


async def test_a_refused_user_token_says_which_setting(glpi: FakeGlpi) -> None:
    api = GlpiApi(GlpiApiConfig(glpi.url, "wrong"))
    try:
        with pytest.raises(ApiRefused, match=r"401.*RATEBOT_GLPI_USER_TOKEN"):
            await api.solved_since(api.checkpoint_at(SINCE))
    finally:
        await api.aclose()
