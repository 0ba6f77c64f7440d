"""The interaction flows both chat platforms share: what a person's action does and shows."""

from __future__ import annotations

import pytest

from app.delivery_worker import DeliveryWorker
from bot.domain.identity import PersonIdentity
from bot.domain.messages import DetractorAlert
from bot.flows import alerts
from bot.flows.command_handlers import Caller, CommandContext
from bot.flows.interactions import (
    admin_command,
    answering,
    closing_in_chat,
    commenting,
    opting,
    people,
)
from bot.services import Services
from tests.fakes.chat import FakeChat
from tests.fakes.clock import FakeClock
from tests.flows.conftest import ADMIN, Close

JAN = PersonIdentity(email="jan@example.com")
STRANGER = PersonIdentity(email="kees@example.com", slack_user_id="UKEES")


@pytest.fixture
async def sent(close: Close, services: Services) -> int:
    """A prompt delivered to Jan; its id."""
    outcome = await close("T-1")
    await DeliveryWorker(services).run_once()
    return outcome.prompt.id


async def jan_on_slack(services: Services) -> PersonIdentity:
    """Jan as Slack names them: by id alone, after they were linked once."""
    await services.store.upsert_person(PersonIdentity(email=JAN.email, slack_user_id="UJAN"))
    return PersonIdentity(slack_user_id="UJAN")


async def test_a_score_redraws_the_prompt_and_a_replay_changes_nothing(
    services: Services, sent: int
) -> None:
    jan = await jan_on_slack(services)
    view = await answering.answer(services, sent, jan, 9, None)
    assert view.update is not None and view.update.score == 9 and view.changed
    assert view.notice is None and view.update.receipt
    again = await answering.answer(services, sent, jan, 9, view.update.receipt)
    assert again.update is not None and not again.changed


async def test_an_expired_prompt_says_so_in_itself_to_its_recipient_only(
    services: Services, sent: int, clock: FakeClock
) -> None:
    jan = await jan_on_slack(services)
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
    services: Services, sent: int, chat: FakeChat
) -> None:
    await services.store.set_team_channel("servicedesk", "test", "alert", "CALERTS",
                                          actor=ADMIN, at=services.clock.now())
    jan = await jan_on_slack(services)
    await answering.answer(services, sent, jan, 2, None)
    alerted = [message for _, message in chat.posts if isinstance(message, DetractorAlert)]
    assert len(alerted) == 1
    claimed = await alerts.claim(services, alerted[0].follow_up_id,
                                 PersonIdentity(email="piet@example.com"))
    assert chat.alert_updates == [(chat.alert_updates[0][0], claimed)]
    assert claimed.claimed_by is not None


async def test_an_empty_comment_keeps_the_form_and_a_comment_is_shown_back(
    services: Services, sent: int
) -> None:
    jan = await jan_on_slack(services)
    rated = await answering.answer(services, sent, jan, 8, None)
    receipt = rated.update.receipt if rated.update else None
    empty = await commenting.comment(services, sent, jan, "  ", receipt, score=8)
    assert empty.fixable and empty.problem == "The comment is empty."
    assert empty.update is not None and empty.update.score == 8
    done = await commenting.comment(services, sent, jan, " Quick help ", receipt, score=8)
    assert done.problem is None and done.update is not None
    assert (done.update.score, done.update.comment) == (8, "Quick help")


async def test_opting_out_and_in(services: Services) -> None:
    out = await opting.opt(services, JAN, opted_out=True)
    assert out.person.opted_out and "won't be asked" in out.notice
    replayed = await opting.opt(services, JAN, opted_out=False, replay=True)
    assert replayed.person.opted_out  # a replayed click changes nothing again
    back = await opting.opt(services, JAN, opted_out=False)
    assert not back.person.opted_out and back.notice == "You may be asked for ratings again."


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
    note = closing_in_chat.closed_note(closed, "<@UJAN>", str)
    assert note == "Closed. <@UJAN> will be asked to rate Service Desk."
    piet = await services.store.find_person(email="piet@example.com")
    assert piet is not None and await closing_in_chat.helps_in(services, team, piet)


async def test_a_channel_is_set_here_by_an_admin_only(services: Services) -> None:
    ctx = CommandContext(services, ("admin@example.com",))
    here = admin_command.Here("teams", '{"conversation": {"id": "19:help"}}')
    admin = Caller(PersonIdentity(email="admin@example.com"), actor="teams:admin")
    reply = await admin_command.run(ctx, "team set servicedesk help-channel here", admin, here)
    assert reply.text == "`servicedesk` now uses this channel as its help channel in Teams."
    team = await services.store.get_team("servicedesk")
    assert team is not None and team.channel("teams", "help") == here.reference
    someone = Caller(PersonIdentity(email="kees@example.com"), actor="teams:kees")
    refused = await admin_command.run(ctx, "team set servicedesk help-channel none", someone,
                                      here)
    assert refused.text.startswith("Only admins can do that.")


async def test_the_platform_directory_is_asked_only_when_the_store_lacks_someone(
    services: Services
) -> None:
    asked: list[str] = []

    async def lookup() -> PersonIdentity:
        asked.append("UJAN")
        return PersonIdentity(email="jan@example.com", slack_user_id="UJAN", locale="nl-NL")

    who = PersonIdentity(slack_user_id="UJAN")
    first = await people.person_of(services, who, lookup, wants_locale=True)
    again = await people.person_of(services, who, lookup, wants_locale=True)
    assert first.email == again.email == "jan@example.com" and asked == ["UJAN"]
    assert people.reader_locale(services, who, again) == "nl"
