"""`/ratings` in Slack: the shared grammar, admin checks, audit, export, opting out."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from app.bootstrap import Ratebot
from tests.e2e.slack.harness import SlackDriver
from tests.e2e.slack.test_prompt_and_click import deliver
from tests.fakes.slack_api import FakeSlackApi

FORM = "application/x-www-form-urlencoded"


async def say(slack: SlackDriver, user: str, words: str) -> str:
    response = await slack.command(user, words)
    assert response.status == 200
    reply: str = (await response.json())["text"]
    return reply


async def test_a_non_admin_is_refused_with_the_admins_named(
    ratebot: Ratebot, slack: SlackDriver
) -> None:
    reply = await say(slack, "UJAN", "team add infra")
    assert reply == "Only admins can do that. Ask one of them: admin@example.com."
    assert await ratebot.services.store.get_team("infra") is None


async def test_an_admin_adds_a_team_with_its_digest_channel_and_it_is_audited(
    ratebot: Ratebot, slack: SlackDriver
) -> None:
    reply = await say(slack, "UADMIN", "team add infra <#C0INFRA|infra-help>")
    assert "Added the team `infra`" in reply
    team = await ratebot.services.store.get_team("infra")
    assert team is not None and team.channel("slack", "digest") == "C0INFRA"
    entries = await ratebot.services.store.audit_log()
    assert {(e.actor, e.action) for e in entries} >= {("slack:UADMIN", "team.add")}


async def test_team_set_changes_an_option(ratebot: Ratebot, slack: SlackDriver) -> None:
    reply = await say(slack, "UADMIN", "team set servicedesk scale csat")
    assert "Changed `scale` of `servicedesk`" in reply
    team = await ratebot.services.store.get_team("servicedesk")
    assert team is not None and team.scale.value == "csat"
    reply = await say(slack, "UADMIN", "team set servicedesk colour blue")
    assert "'colour' is not a team option" in reply


async def test_an_unknown_subcommand_gets_help_and_the_closest_match(slack: SlackDriver) -> None:
    reply = await say(slack, "UJAN", "statz")
    assert reply.startswith("I don't know `statz`. Did you mean `stats`?")
    assert "`stats [team] [weeks]" in reply


async def test_agent_map_and_admins_add_take_slack_mentions(
    ratebot: Ratebot, slack: SlackDriver
) -> None:
    reply = await say(slack, "UADMIN", "agent map <@UJAN|jan> servicedesk")
    assert "Jan Jansen now helps in `servicedesk`" in reply
    agents = await ratebot.services.store.list_agents("servicedesk")
    assert "jan@example.com" in {person.email for _, person in agents}
    assert await say(slack, "UADMIN", "admins add <@UPIET|piet>") == "<@UPIET> is now an admin."
    assert "Added the team" in await say(slack, "UPIET", "team add infra")


async def test_anyone_can_opt_out_and_in(ratebot: Ratebot, slack: SlackDriver) -> None:
    assert "won't be asked" in await say(slack, "UJAN", "optout")
    person = await ratebot.services.store.find_person(slack_user_id="UJAN")
    assert person is not None and person.opted_out
    assert "asked for ratings again" in await say(slack, "UJAN", "optin")
    person = await ratebot.services.store.find_person(slack_user_id="UJAN")
    assert person is not None and not person.opted_out


async def test_dont_ask_me_again_opts_out_from_the_prompt(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    channel, message = slack.dm_of("UJAN")
    await slack.interaction(slack.block_actions("UJAN", channel, message, "optout"))
    person = await ratebot.services.store.find_person(email="jan@example.com")
    assert person is not None and person.opted_out
    assert "won't be asked" in slack_api.last("chat.postEphemeral").args["text"]


async def test_export_sends_a_csv_to_the_admins_direct_message(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 9)
    reply = await say(slack, "UADMIN", "export")
    assert reply == "Sending 1 ratings as a CSV file in a direct message."
    complete = slack_api.last("files.completeUploadExternal")
    assert complete.args["channel_id"] == "DADMIN"
    [content] = slack_api.uploads.values()
    lines = content.decode().splitlines()
    assert lines[0].startswith("rated_at,team,scale,score")
    assert ",servicedesk,nps,9," in lines[1]


async def test_stats_and_teams_answer_admins(ratebot: Ratebot, slack: SlackDriver) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 10)
    ratebot.services.clock.advance(minutes=1)  # type: ignore[attr-defined]
    reply = await say(slack, "UADMIN", "stats servicedesk 4")
    assert "Service Desk: +100" in reply and "n = 1" in reply
    assert "`servicedesk` Service Desk: nps, identified" in await say(slack, "UADMIN", "teams")


async def test_forget_erases_a_person(ratebot: Ratebot, slack: SlackDriver) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 9)
    reply = await say(slack, "UADMIN", "forget <@UJAN|jan>")
    assert reply == "Forgotten. 1 of their ratings were kept without a name."
    assert await ratebot.services.store.find_person(email="jan@example.com") is None


async def test_typed_text_in_a_reply_is_escaped(slack: SlackDriver) -> None:
    reply = await say(slack, "UJAN", "<!channel>")
    assert "<!channel>" not in reply and "&lt;!channel&gt;" in reply
    assert json.dumps(reply)


async def test_digest_preview_answers_only_the_admin(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    reply = await say(slack, "UADMIN", "digest preview servicedesk")
    assert "Service Desk" in reply and "No ratings this week." in reply
    assert slack_api.called("chat.postMessage") == []  # nothing posted to the channel


async def test_a_slow_command_is_acknowledged_at_once_and_answered_when_done(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    # No budget at all: every command takes the path of one slower than Slack's 3 seconds.
    slack.binding.interactions.ack_budget = 0
    response = await slack.command("UADMIN", "team add infra")
    assert response.status == 200
    assert (await response.json())["text"] == "Working on it: the answer follows in a moment."
    [answer] = await slack_api.wait_for("response_url")
    assert answer.args["response_type"] == "ephemeral"
    assert answer.args["text"].startswith("Added the team `infra`")
    assert await ratebot.services.store.get_team("infra") is not None


def command_body(slack: SlackDriver, user: str, text: str, trigger_id: str) -> bytes:
    """A slash command exactly as Slack posts it (see `SlackDriver.command`)."""
    return urlencode({
        "token": "legacy", "team_id": "T111", "team_domain": "example",
        "channel_id": "C0ADMIN", "channel_name": "helpdesk-admin", "user_id": user,
        "user_name": user.lower(), "command": "/ratings", "text": text, "api_app_id": "A111",
        "is_enterprise_install": "false", "response_url": slack.api.response_url,
        "trigger_id": trigger_id,
    }).encode()


async def test_a_replayed_command_is_acknowledged_and_does_nothing(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    audited = len(await ratebot.services.store.audit_log())
    body = command_body(slack, "UADMIN", "team add infra", "7001.111.replayed")
    first = await slack.post(body, FORM)
    assert first.status == 200
    assert (await first.json())["text"].startswith("Added the team `infra`")
    # The same signed request again, well within the signature's 5 minutes.
    replay = await slack.post(body, FORM)
    assert replay.status == 200
    assert await replay.read() == b""
    assert len(await ratebot.services.store.audit_log()) == audited + 1
    assert slack_api.called("response_url") == []
    # A genuine second invocation (its own trigger_id) runs: the team is there already.
    again = await slack.post(command_body(slack, "UADMIN", "team add infra", "7002.111.x"), FORM)
    assert "infra" in (await again.json())["text"]
    assert "Added the team" not in (await again.json())["text"]
