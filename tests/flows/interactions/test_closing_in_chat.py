"""Closing a request in a team's help channel."""

from __future__ import annotations

from bot.domain.identity import PersonIdentity
from bot.flows.interactions import closing_in_chat
from bot.services import Services
from tests.flows.conftest import ADMIN


async def test_closing_in_a_help_channel_asks_the_requester(services: Services) -> None:
    team = await services.store.set_team_channel("servicedesk", "slack", "help", "CHELP",
                                                 actor=ADMIN, at=services.clock.now())
    assert await closing_in_chat.help_team(services, "slack", "CHELP") == team
    assert await closing_in_chat.help_team(services, "slack", "COTHER") is None
    closed = await closing_in_chat.close_request(
        services, source="slack", team=team, ticket_id="CHELP-17.5",
        requester=PersonIdentity(email="jan@example.com", slack_user_id="UJAN"),
        closer=PersonIdentity(email="piet@example.com", slack_user_id="UPIET"),
        subject="Printer",
    )
    assert closed.asked and closed.requester.slack_user_id == "UJAN"
    note = closing_in_chat.closed_note(closed, "<@UJAN>", str, "en")
    assert note == "Closed. <@UJAN> will be asked to rate Service Desk."
    # The closer reads it in their own language; a requester the platform cannot name is
    # called so in that language too.
    dutch = closing_in_chat.closed_note(closed, None, str, "nl")
    assert dutch == "Gesloten. De aanvrager krijgt de vraag om Service Desk te beoordelen."
    piet = await services.store.find_person(email="piet@example.com")
    assert piet is not None and await closing_in_chat.helps_in(services, team, piet)
