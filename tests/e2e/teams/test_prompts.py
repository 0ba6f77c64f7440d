"""The proactive prompt: through a stored reference, a created 1:1 chat, or not at all."""

from __future__ import annotations

from typing import Any

from adapters.teams.outbound import MessageRef
from bot.domain.events import ConversationClosed
from bot.domain.identity import PersonIdentity
from bot.domain.model import Prompt, PromptStatus
from bot.flows.asking import conversation_closed
from bot.flows.delivery import NOT_INSTALLED
from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import ALERT_CHANNEL, JAN, KLAAS, PIET, TENANT, User, buttons, texts_of
from tests.fakes.bot_connector import card_of

ADMIN = "test:admin"


async def setup_team(bot: TeamsBotUnderTest, **changes: Any) -> None:
    store, now = bot.services.store, bot.services.clock.now()
    await store.add_team("servicedesk", display_name="Service Desk", actor=ADMIN, at=now)
    if changes:
        await store.update_team("servicedesk", changes, actor=ADMIN, at=now)


async def close_for(bot: TeamsBotUnderTest, email: str, ticket: str = "INC-1",
                    subject: str = "Printer on the third floor") -> Prompt:
    event = ConversationClosed(
        source="generic", ticket_id=ticket, requester_email=email, team="servicedesk",
        closed_at=bot.services.clock.now(), subject=subject, agent_email=PIET.email,
        agent_name="Piet",
    )
    outcome = await conversation_closed(bot.services, event)
    await bot.ratebot.worker.run_once()
    prompt = await bot.services.store.get_prompt(outcome.prompt.id)
    assert prompt is not None
    return prompt


async def install(bot: TeamsBotUnderTest, user: User, locale: str = "en-US") -> None:
    bot.teams.connector.add_member(user.chat, user.member())
    status, _ = await bot.teams.install(user, locale)
    assert status == 200


async def test_an_installed_person_gets_the_card_through_the_stored_reference(
    bot: TeamsBotUnderTest,
) -> None:
    await setup_team(bot)
    await install(bot, JAN)
    person = await bot.services.store.find_person(email=JAN.email)
    assert person is not None and person.teams_user_id == JAN.teams_id  # linked by the roster

    prompt = await close_for(bot, JAN.email)

    assert prompt.status is PromptStatus.SENT
    assert prompt.platform == "teams"
    sends = bot.teams.connector.sent_to(JAN.chat)
    assert len(sends) == 1 and sends[0].op == "send"
    card = card_of(sends[0].body)
    assert card["version"] == "1.5"
    shown = texts_of(card)
    assert "Service Desk" in shown and "Printer on the third floor" in shown
    assert "recommend" in shown
    scores = [b for b in buttons(card) if b["verb"] == "rate"]
    assert [b["title"] for b in scores] == [str(n) for n in range(11)]
    assert all(b["fallback"]["type"] == "Action.Submit" for b in scores)
    assert [b["data"]["score"] for b in scores] == list(range(11))
    assert {b["data"]["prompt"] for b in scores} == {prompt.id}
    assert any(b["verb"] == "optout" for b in buttons(card))
    assert prompt.message_ref is not None
    ref = MessageRef.decode(prompt.message_ref)
    assert ref.reference["conversation"]["id"] == JAN.chat
    assert ref.activity_id == sends[0].body.get("id") or ref.activity_id


async def test_the_card_speaks_dutch_to_a_dutch_client(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot, scale="csat")
    await install(bot, JAN, locale="nl-NL")
    await close_for(bot, JAN.email)
    card = bot.teams.connector.last_card()
    assert "Hoe tevreden ben je" in texts_of(card)
    assert [b["title"] for b in buttons(card) if b["verb"] == "rate"] == ["1", "2", "3", "4", "5"]
    assert any(b["title"] == "Niet meer vragen" for b in buttons(card))


async def test_without_a_reference_the_roster_finds_the_person_and_a_chat_is_created(
    bot: TeamsBotUnderTest,
) -> None:
    await setup_team(bot)
    await bot.teams.add_bot_to_channel(ALERT_CHANNEL, PIET)
    bot.teams.connector.add_member(ALERT_CHANNEL, KLAAS.member())

    prompt = await close_for(bot, KLAAS.email)

    assert prompt.status is PromptStatus.SENT, prompt.reason
    connector = bot.teams.connector
    lookups = connector.of("member")
    assert lookups and lookups[0].conversation_id == ALERT_CHANNEL
    created = connector.of("create")
    assert len(created) == 1
    assert created[0].body["members"] == [{"id": KLAAS.teams_id}]
    # botbuilder-schema writes "tenantID"; Teams reads the tenant from channelData.
    assert created[0].body["channelData"] == {"tenant": {"id": TENANT}}
    conversation = connector.of("send")[-1].conversation_id
    assert conversation is not None and conversation.startswith("a:conversation-")
    # The ids are cached: the next prompt needs no lookup and no new chat.
    klaas = await bot.services.store.find_person(email=KLAAS.email)
    assert klaas is not None and klaas.teams_user_id == KLAAS.teams_id
    bot.clock.advance(days=30)  # past the cooldown
    second = await close_for(bot, KLAAS.email, ticket="INC-2")
    assert second.status is PromptStatus.SENT
    assert len(connector.of("create")) == 1 and len(connector.of("member")) == 1
    assert connector.of("send")[-1].conversation_id == conversation


async def test_a_person_teams_does_not_know_fails_as_not_installed(
    bot: TeamsBotUnderTest,
) -> None:
    await setup_team(bot)
    await bot.teams.add_bot_to_channel(ALERT_CHANNEL, PIET)
    prompt = await close_for(bot, "nobody@example.com")
    assert prompt.status is PromptStatus.FAILED
    assert prompt.reason == NOT_INSTALLED
    assert bot.teams.connector.of("send") == []


async def test_a_person_without_the_app_fails_as_not_installed(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    await bot.teams.add_bot_to_channel(ALERT_CHANNEL, PIET)
    bot.teams.connector.add_member(ALERT_CHANNEL, KLAAS.member())
    bot.teams.connector.not_installed.add(KLAAS.teams_id)
    prompt = await close_for(bot, KLAAS.email)
    assert prompt.status is PromptStatus.FAILED
    assert prompt.reason == NOT_INSTALLED


async def test_a_throttled_send_is_retried_later(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    await install(bot, JAN)
    bot.teams.connector.fail_next(429, {"Retry-After": "120"})
    prompt = await close_for(bot, JAN.email)
    assert prompt.status is PromptStatus.PENDING
    assert prompt.attempts == 1
    assert prompt.next_attempt_at is not None
    assert (prompt.next_attempt_at - bot.services.clock.now()).total_seconds() >= 120
    bot.clock.advance(seconds=600)
    await bot.ratebot.worker.run_once()
    again = await bot.services.store.get_prompt(prompt.id)
    assert again is not None and again.status is PromptStatus.SENT


async def test_a_known_aad_object_id_is_enough_to_create_the_chat(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    await bot.teams.add_bot_to_channel(ALERT_CHANNEL, PIET)  # where the service URL comes from
    await bot.services.store.upsert_person(PersonIdentity(
        email=KLAAS.email, teams_aad_object_id=KLAAS.aad, teams_tenant_id=TENANT))
    prompt = await close_for(bot, KLAAS.email)
    assert prompt.status is PromptStatus.SENT, prompt.reason
    connector = bot.teams.connector
    assert connector.of("member") == []  # no roster lookup needed
    [created] = connector.of("create")
    assert created.body["members"] == [{"id": KLAAS.aad}]
    assert created.body["bot"]["id"] == "28:8d88f59b-ae61-4300-bec0-caace7d28446"
