"""A 1:1 chat the bot opens is opened in the person's own tenant, never another person's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.teams.personal import NO_TENANT
from bot.domain.identity import PersonIdentity
from bot.domain.model import PromptStatus
from tests.e2e.teams.harness import TeamsBotUnderTest, teams_bot
from tests.e2e.teams.support import HELP_CHANNEL, JAN, KLAAS, PIET, TENANT, User
from tests.e2e.teams.test_closing import MENTION, help_channel
from tests.e2e.teams.test_prompts import close_for, setup_team
from tests.fakes.bot_connector import FakeConnector
from tests.fakes.clock import FakeClock

OTHER_TENANT = "0b1e7c55-7a3f-4a0a-9d5e-3f2b6c1d9e8a"
GUEST = User("29:guest-teams-id", "aad-guest-0009", "Gast Extern", "gast@other.example")


async def visit_from_another_tenant(bot: TeamsBotUnderTest) -> None:
    """Someone of another tenant writes to the bot: theirs becomes the newest conversation."""
    bot.clock.advance(seconds=60)
    activity = bot.teams.base("message", GUEST, bot.teams.personal(GUEST), text="hello")
    activity["conversation"]["tenantId"] = OTHER_TENANT
    activity["channelData"] = {"tenant": {"id": OTHER_TENANT}}
    status, _ = await bot.teams.post(activity)
    assert status == 200


def created_tenants(connector: FakeConnector) -> list[tuple[str, str]]:
    """Each createConversation's tenant, as botbuilder writes it (`tenantID`) and as Teams
    reads it (`channelData.tenant.id`)."""
    return [(call.body["tenantID"], call.body["channelData"]["tenant"]["id"])
            for call in connector.of("create")]


async def test_a_thread_starter_is_asked_in_their_own_tenant(bot: TeamsBotUnderTest) -> None:
    await help_channel(bot)
    await bot.teams.say(JAN, "My printer is broken", channel=HELP_CHANNEL, thread="700",
                        message_id="700", mention=True)
    jan = await bot.services.store.find_person(teams_user_id=JAN.teams_id)
    assert jan is not None and jan.teams_tenant_id == TENANT  # learned from what they sent
    await visit_from_another_tenant(bot)

    await bot.teams.say(PIET, MENTION + "close", channel=HELP_CHANNEL, thread="700",
                        message_id="701")
    await bot.ratebot.worker.run_once()

    prompt = await bot.services.store.get_prompt(1)
    assert prompt is not None and prompt.status is PromptStatus.SENT, prompt
    assert created_tenants(bot.teams.connector) == [(TENANT, TENANT)]
    [create] = bot.teams.connector.of("create")
    assert create.body["members"] == [{"id": JAN.teams_id}]


async def test_someone_found_in_a_roster_is_asked_in_that_teams_tenant(
    bot: TeamsBotUnderTest,
) -> None:
    await help_channel(bot)  # Klaas is in the help channel's roster, and never wrote
    await visit_from_another_tenant(bot)
    prompt = await close_for(bot, KLAAS.email)
    assert prompt.status is PromptStatus.SENT, prompt.reason
    assert created_tenants(bot.teams.connector) == [(TENANT, TENANT)]
    klaas = await bot.services.store.find_person(email=KLAAS.email)
    assert klaas is not None and klaas.teams_tenant_id == TENANT


async def test_without_their_tenant_or_a_configured_one_the_delivery_fails_and_says_why(
    bot: TeamsBotUnderTest,
) -> None:
    await setup_team(bot)
    await visit_from_another_tenant(bot)
    await bot.services.store.upsert_person(
        PersonIdentity(email=KLAAS.email, teams_aad_object_id=KLAAS.aad))
    prompt = await close_for(bot, KLAAS.email)
    assert prompt.status is PromptStatus.FAILED
    assert prompt.reason == NO_TENANT
    assert bot.teams.connector.of("create") == []  # never opened in the visitor's tenant


@pytest.fixture
async def single_tenant_bot(
    database_url: str, clock: FakeClock, connector: FakeConnector
) -> AsyncIterator[TeamsBotUnderTest]:
    async with teams_bot(database_url, clock, connector,
                         {"MicrosoftAppTenantId": TENANT}) as running:
        yield running


async def test_the_configured_tenant_serves_a_person_whose_own_is_not_known(
    single_tenant_bot: TeamsBotUnderTest,
) -> None:
    bot = single_tenant_bot
    await setup_team(bot)
    await bot.teams.add_bot_to_channel(HELP_CHANNEL, PIET)  # where the service URL comes from
    await bot.services.store.upsert_person(
        PersonIdentity(email=KLAAS.email, teams_aad_object_id=KLAAS.aad))
    prompt = await close_for(bot, KLAAS.email)
    assert prompt.status is PromptStatus.SENT, prompt.reason
    assert created_tenants(bot.teams.connector) == [(TENANT, TENANT)]
