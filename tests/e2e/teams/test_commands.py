"""Admin commands as messages to the bot, parsed by the shared `/ratings` grammar."""

from __future__ import annotations

from tests.e2e.teams.harness import TeamsBotUnderTest, teams_bot
from tests.e2e.teams.support import JAN, KLAAS, PIET, User
from tests.e2e.teams.test_prompts import install, setup_team
from tests.fakes.bot_connector import FakeConnector
from tests.fakes.clock import FakeClock


async def say(bot: TeamsBotUnderTest, user: User, words: str) -> str:
    status, _ = await bot.teams.say(user, words)
    assert status == 200
    reply = bot.teams.connector.sent_to(user.chat)[-1]
    assert reply.body.get("textFormat") == "markdown"
    text: str = reply.body["text"]
    return text


async def test_an_admin_asks_for_stats(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    answer = await say(bot, PIET, "ratings stats servicedesk 8")
    assert "**Scores over the last 8 weeks**" in answer
    assert "Service Desk" in answer


async def test_the_prefix_is_optional_in_a_personal_chat(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    assert "Scores over the last 4 weeks" in await say(bot, PIET, "stats")


async def test_a_non_admin_is_refused_clearly(bot: TeamsBotUnderTest) -> None:
    await setup_team(bot)
    await install(bot, KLAAS)
    answer = await say(bot, KLAAS, "ratings stats servicedesk 8")
    assert answer.startswith("Only admins can do that.")
    assert "Scores" not in answer


async def test_an_admin_listed_by_email_is_recognised_through_the_roster(
    database_url: str, clock: FakeClock, connector: FakeConnector
) -> None:
    # RATEBOT_ADMINS names Piet by email; Teams names him by ids: the roster links them.
    async with teams_bot(database_url, clock, connector,
                         {"RATEBOT_ADMINS": PIET.email}) as bot:
        assert "Only admins" in await say(bot, PIET, "ratings teams")  # roster says nothing
        connector.add_member(PIET.chat, PIET.member())
        assert "There are no teams yet" in await say(bot, PIET, "ratings teams")


async def test_anyone_can_opt_out_and_back_in(bot: TeamsBotUnderTest) -> None:
    await install(bot, JAN)
    assert "won't be asked" in await say(bot, JAN, "ratings optout")
    person = await bot.services.store.find_person(email=JAN.email)
    assert person is not None and person.opted_out
    await say(bot, JAN, "ratings optin")
    person = await bot.services.store.find_person(email=JAN.email)
    assert person is not None and not person.opted_out


async def test_unknown_words_get_help_and_typed_text_is_escaped(bot: TeamsBotUnderTest) -> None:
    answer = await say(bot, PIET, "ratings [stast](https://evil.example)")
    assert "I don't know" in answer
    assert "[stast](" not in answer


async def test_in_a_channel_an_at_mention_is_enough_and_other_talk_is_ignored(
    bot: TeamsBotUnderTest,
) -> None:
    await setup_team(bot)
    channel = "19:it-admins@thread.tacv2"
    await bot.teams.say(PIET, "stats servicedesk", channel=channel, thread="1",
                        message_id="1", mention=True)
    [reply] = bot.teams.connector.of("reply")
    assert reply.conversation_id == f"{channel};messageid=1"
    assert "Scores over the last 4 weeks" in reply.body["text"]
    await bot.teams.say(PIET, "stats are fun", channel=channel, thread="2", message_id="2")
    assert len(bot.teams.connector.of("reply")) == 1


async def test_team_add_here_makes_this_channel_the_digest_channel(
    bot: TeamsBotUnderTest,
) -> None:
    channel = "19:infra@thread.tacv2"
    await bot.teams.say(PIET, "ratings team add infra here", channel=channel, thread="3",
                        message_id="3")
    answer = bot.teams.connector.of("reply")[-1].body["text"]
    assert "Added the team `infra`" in answer
    assert "now uses this channel as its digest channel" in answer
    team = await bot.services.store.get_team("infra")
    assert team is not None and team.channel("teams", "digest") is not None


async def test_help_speaks_of_messages_not_slash_commands(bot: TeamsBotUnderTest) -> None:
    answer = await say(bot, JAN, "ratings help")
    assert "`ratings <command>`" in answer and "/ratings" not in answer
