"""A Dutch team in Slack: `team set ... locale nl`, then its alert and digest speak Dutch."""

from __future__ import annotations

import json

from app.bootstrap import Ratebot
from bot.domain.identity import PersonIdentity
from bot.domain.messages import DigestMessage
from bot.flows.digest import weekly_digest
from tests.e2e.slack.harness import SlackDriver
from tests.e2e.slack.test_alerts import alert_body
from tests.e2e.slack.test_prompt_and_click import deliver
from tests.e2e.slack.test_slash_command import say
from tests.fakes.slack_api import FakeSlackApi

ADMIN = "test:admin"
# English words of a digest and an alert that a Dutch team must not read.
ENGLISH = ("weekly ratings", "Responses", "Follow-ups", "Comments", "compared with",
           "prompts sent", "Per agent", "Score: *3* of", "I'll follow up", "Mark as resolved")


async def test_a_dutch_teams_alert_and_digest_are_in_dutch(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    reply = await say(slack, "UADMIN", "team set servicedesk locale NL")
    assert reply.startswith("Changed `locale` of `servicedesk`.")
    assert reply.endswith(", locale nl, channels: alert CALERT")
    team = await ratebot.services.store.get_team("servicedesk")
    assert team is not None and team.locale == "nl"
    await deliver(ratebot)
    await slack.clicks("UJAN", 3)  # Jan's own Slack speaks English; the team's alert does not
    await slack_api.wait_for("chat.postMessage", 2)
    alert = alert_body(slack_api)
    assert "Detractor-melding voor *Service Desk*" in alert
    assert "Score: *3* van 10" in alert and "Ik pak het op" in alert
    assert "Medewerker: Piet Pieters" in alert and "Aanvrager: Jan Jansen" in alert

    ratebot.services.clock.advance(days=7)  # type: ignore[attr-defined]
    digest = await weekly_digest(ratebot.services, team)
    await ratebot.services.chats[0].post_message("CDIGEST", DigestMessage(digest))
    post = slack_api.last("chat.postMessage")
    assert post.args["channel"] == "CDIGEST"
    body = json.dumps(post.args["blocks"], ensure_ascii=False)
    assert post.args["text"].startswith("*Service Desk: wekelijkse beoordelingen, ")
    assert "NPS -100" in body and "0 promotors · 0 passieven · 1 criticus" in body
    assert "*Reacties*" in body and "1 verzoek verstuurd, 100% beantwoord" in body
    assert "*Opvolgingen*" in body and "1 geopend, 0 opgepakt, 0 opgelost" in body
    assert "vergelijken" in body or "dan de vorige 4 weken" in body
    assert not [word for word in ENGLISH if word in body + alert]


async def test_an_unknown_locale_is_refused_with_the_choices(
    ratebot: Ratebot, slack: SlackDriver
) -> None:
    reply = await say(slack, "UADMIN", "team set servicedesk locale fr")
    assert "'fr' is not a valid locale: use en, nl, or 'default'." in reply
    assert (await say(slack, "UADMIN", "team set servicedesk locale default")).startswith(
        "Changed `locale` of `servicedesk`.")
    team = await ratebot.services.store.get_team("servicedesk")
    assert team is not None and team.locale is None


async def test_a_dutch_admin_is_answered_in_dutch_and_an_english_one_in_english(
    ratebot: Ratebot, slack: SlackDriver
) -> None:
    services = ratebot.services
    await services.store.add_admin("UANNE", actor=ADMIN, at=services.clock.now())
    await services.store.upsert_person(PersonIdentity(
        email="anne@example.com", slack_user_id="UANNE", locale="nl-NL"))
    assert await say(slack, "UANNE", "team set servicedesk sample 0") == (
        "'0' is geen geldige sample: gebruik een heel aantal procent van 1 tot 100.")
    changed = await say(slack, "UANNE", "team set servicedesk expiry 5")
    assert changed.startswith("`expiry` van `servicedesk` gewijzigd.\n• `servicedesk`")
    assert await say(slack, "UANNE", "team set nope expiry 5") == (
        "Er is geen team met de naam 'nope'. Voeg het eerst toe met `team add nope`.")
    helped = (await say(slack, "UANNE", "team")).split("\n")
    assert helped[0].startswith("Zeg wat er met het team moet gebeuren. Gebruik: team add &lt;")
    assert helped[1] == "*Gebruik:* `/ratings <command>`"
    assert await say(slack, "UJAN", "team add infra") == (
        "Only admins can do that. Ask one of them: <@UANNE>, admin@example.com.")
    assert (await say(slack, "UADMIN", "team set servicedesk expiry 6")).startswith(
        "Changed `expiry` of `servicedesk`.")
