"""Retention limits set with `/ratings team set` in Slack, and applied by the daily job."""

from __future__ import annotations

from app.bootstrap import Ratebot
from bot.domain.retention import AUDIT_ACTION, RetentionKind
from bot.flows.retention import apply_retention
from tests.e2e.slack.harness import SlackDriver
from tests.e2e.slack.test_prompt_and_click import deliver
from tests.e2e.slack.test_slash_command import say
from tests.fakes.clock import FakeClock


async def test_an_admin_sets_a_team_limit_and_the_job_applies_it(
    ratebot: Ratebot, slack: SlackDriver, clock: FakeClock
) -> None:
    reply = await say(slack, "UADMIN", "team set servicedesk retention-prompts 1")
    assert "Changed `retention-prompts` of `servicedesk`" in reply
    refused = await say(slack, "UADMIN", "team set servicedesk retention-comments forever")
    assert "'forever' is not a valid retention-comments" in refused
    await deliver(ratebot)  # sent, never answered
    clock.advance(days=40)  # past the team's month, and past the prompt's expiry
    report = await apply_retention(ratebot.services)
    assert report is not None and report.by_kind()[RetentionKind.PROMPTS] == 1
    entries = {(e.actor, e.action) for e in await ratebot.services.store.audit_log()}
    assert entries >= {("slack:UADMIN", "team.update"), ("retention", AUDIT_ACTION)}
