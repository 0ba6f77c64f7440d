"""Retention limits set in a message to the bot in Teams, and applied by the daily job."""

from __future__ import annotations

from bot.domain.retention import RetentionKind
from bot.flows.retention import apply_retention, preview_retention
from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import JAN, PIET
from tests.e2e.teams.test_commands import say
from tests.e2e.teams.test_prompts import close_for, install, setup_team
from tests.fakes.clock import FakeClock


async def test_an_admin_sets_a_team_limit_and_the_job_applies_it(
    bot: TeamsBotUnderTest, clock: FakeClock
) -> None:
    await setup_team(bot)
    answer = await say(bot, PIET, "ratings team set servicedesk retention-prompts 1")
    assert "Changed `retention-prompts` of `servicedesk`" in answer
    team = await bot.services.store.get_team("servicedesk")
    assert team is not None and team.retention_prompt_months == 1
    await install(bot, JAN)
    await close_for(bot, JAN.email)
    await bot.ratebot.worker.run_once()  # sent to Jan, never answered
    clock.advance(days=40)
    preview = await preview_retention(bot.services)
    report = await apply_retention(bot.services)
    assert report is not None
    assert preview.by_kind() == report.by_kind()
    assert report.by_kind()[RetentionKind.PROMPTS] == 1
