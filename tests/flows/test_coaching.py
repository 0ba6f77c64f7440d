"""Coaching: an agent gets their own ratings privately, when the team turns it on."""

from __future__ import annotations

import pytest

from app.delivery_worker import DeliveryWorker
from bot.domain.errors import InvalidValue
from bot.domain.identity import PersonIdentity
from bot.flows import admin
from bot.flows.interactions import answering, following_up
from bot.flows.recording import add_comment
from bot.services import Services
from tests.fakes.chat import FakeChat
from tests.flows.conftest import ADMIN, Close

JAN = PersonIdentity(email="jan@example.com", display_name="Jan Jansen")
KIM = PersonIdentity(email="kim@example.com")
ANNE = PersonIdentity(email="anne@example.com", display_name="Anne")
PIET = "piet@example.com"


async def coaching(services: Services, value: str = "on", **settings: str) -> None:
    await admin.set_team_option(services, "servicedesk", "coaching", value, actor=ADMIN)
    for option, setting in settings.items():
        await admin.set_team_option(services, "servicedesk", option, setting, actor=ADMIN)


async def click(services: Services, close: Close, score: int, ticket: str = "T-1",
                who: PersonIdentity = JAN) -> int:
    """`who` rates `ticket` (agent Piet) through the click flow; the prompt's id."""
    assert who.email is not None
    outcome = await close(ticket, who.email)
    await DeliveryWorker(services).run_once()
    await services.store.upsert_person(who)
    await answering.answer(services, outcome.prompt.id, who, score, None)
    return outcome.prompt.id


async def test_off_by_default(services: Services, close: Close, chat: FakeChat) -> None:
    await click(services, close, 10)
    [follow_up_id] = [f.id for f in await services.store.open_follow_ups()] or [None]
    assert follow_up_id is None
    await click(services, close, 2, "T-2", KIM)
    [opened] = await services.store.open_follow_ups()
    await following_up.resolve(services, opened.id, ANNE, "Called back")
    assert chat.directs_to(PIET) == []
    assert len(chat.directs_to(KIM.email or "")) == 1  # "you said, we did" is not coaching


async def test_a_promoter_is_praised_at_once(
    services: Services, close: Close, chat: FakeChat
) -> None:
    await coaching(services)
    await click(services, close, 10)
    assert chat.directs_to(PIET) == [
        "Well done! Someone you helped with “Subject of T-1” for Service Desk rated it 10 of 10."
    ]
    assert chat.directs_to("jan@example.com") == []


async def test_passives_are_not_praised_until_they_rise_to_a_promoter(
    services: Services, close: Close, chat: FakeChat
) -> None:
    await coaching(services)
    prompt_id = await click(services, close, 8)
    assert chat.directs_to(PIET) == []
    await answering.answer(services, prompt_id, JAN, 9, None)  # changed to a promoter
    assert chat.directs_to(PIET) == [
        "Well done! Someone you helped with “Subject of T-1” for Service Desk rated it 9 of 10."
    ]


async def test_a_promoter_is_praised_once_however_often_the_score_moves_up(
    services: Services, close: Close, chat: FakeChat
) -> None:
    await coaching(services)
    prompt_id = await click(services, close, 9)
    await answering.answer(services, prompt_id, JAN, 10, None)  # still a promoter
    await answering.answer(services, prompt_id, JAN, 10, None)  # nothing changed
    assert len(chat.directs_to(PIET)) == 1


async def test_a_detractors_feedback_waits_for_the_follow_up(
    services: Services, close: Close, chat: FakeChat
) -> None:
    await coaching(services, anonymity="confidential")
    prompt_id = await click(services, close, 3)
    await add_comment(services, prompt_id, JAN, "Jan here: nobody called back")
    assert chat.directs_to(PIET) == []  # not before someone followed up
    [opened] = await services.store.open_follow_ups()
    await following_up.resolve(services, opened.id, ANNE, "Anne called Jan back")
    [feedback] = chat.directs_to(PIET)
    assert feedback.splitlines() == [
        "Feedback on your help with “Subject of T-1” for Service Desk: rated 3 of 10, "
        "now followed up.",
        "They wrote: Jan here: nobody called back",
        "What was done: Anne called Jan back",
    ]
    # Only what the rater and resolver wrote: the agent is never told who rated.
    assert "Jan Jansen" not in feedback and "jan@example.com" not in feedback


async def test_in_the_agents_language(services: Services, close: Close, chat: FakeChat) -> None:
    await services.store.upsert_person(PersonIdentity(email=PIET, locale="nl"))
    await coaching(services)
    await click(services, close, 9)
    assert chat.directs_to(PIET) == [
        "Goed gedaan! Iemand die je hielp met “Subject of T-1” voor Service Desk, gaf een 9 "
        "van 10."
    ]


async def test_anonymous_teams_coach_nobody(
    services: Services, close: Close, chat: FakeChat
) -> None:
    await coaching(services, anonymity="anonymous")
    await click(services, close, 10)
    await click(services, close, 1, "T-2", KIM)
    [opened] = await services.store.open_follow_ups()
    await following_up.resolve(services, opened.id, ANNE, "Fixed")
    assert chat.directs == []


async def test_turned_off_again(services: Services, close: Close, chat: FakeChat) -> None:
    await coaching(services)
    await coaching(services, "off")
    team = await services.store.get_team("servicedesk")
    assert team is not None and team.coaching is False
    await click(services, close, 10)
    assert chat.directs == []


async def test_a_bad_value_is_refused(services: Services) -> None:
    with pytest.raises(InvalidValue, match="not a valid coaching: use one of on, off"):
        await coaching(services, "sometimes")
