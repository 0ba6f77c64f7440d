"""'You said, we did' in Slack: the resolver's note reaches the rater's DM with the bot."""

from __future__ import annotations

from app.bootstrap import Ratebot
from tests.e2e.slack.harness import SlackDriver
from tests.e2e.slack.test_prompt_and_click import deliver
from tests.fakes.slack_api import FakeSlackApi

ADMIN = "test:admin"


async def rate_and_resolve(ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi,
                           note: str, *, rater: str = "UJAN", email: str = "jan@example.com"
                           ) -> None:
    await deliver(ratebot, email=email)
    await slack.clicks(rater, 2)
    await slack_api.wait_for("chat.postMessage", 2)
    key = next(k for k in slack_api.messages if k[0] == "CALERT")
    await slack.interaction(slack.block_actions("UPIET", "CALERT", slack_api.messages[key],
                                                "followup.resolve"))
    [opened] = await slack_api.wait_for("views.open")
    await slack.submits_modal("UPIET", opened.args["view"], {
        "note_block": {"note_input": {"type": "plain_text_input", "value": note}}})
    await slack_api.wait_for("chat.update", 2)
    assert await ratebot.services.store.open_follow_ups() == []


def notices_in(slack_api: FakeSlackApi, dm: str) -> list[str]:
    """Plain messages in a DM: everything but the rating prompt."""
    return [m["text"] for (channel, _), m in slack_api.messages.items()
            if channel == dm and not m.get("metadata")]


async def test_the_rater_gets_the_note_in_their_dm(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await rate_and_resolve(ratebot, slack, slack_api, "Replaced the <!here> toner")
    assert notices_in(slack_api, "DJAN") == [
        "You rated Service Desk on “Printer on the third floor”, and they followed up. "
        "What they did: Replaced the &lt;!here&gt; toner"
    ]
    assert notices_in(slack_api, "DPIET") == []


async def test_in_the_raters_language_in_a_confidential_team(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    store, now = ratebot.services.store, ratebot.services.clock.now()
    await store.update_team("servicedesk", {"anonymity": "confidential"}, actor=ADMIN, at=now)
    await rate_and_resolve(ratebot, slack, slack_api, "Toner vervangen", rater="UANNE",
                           email="anne@example.com")
    [notice] = notices_in(slack_api, "DANNE")
    assert notice.startswith("Je beoordeelde Service Desk over")
    assert notice.endswith("Wat ze deden: Toner vervangen")


async def test_anonymous_teams_send_nothing(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    store, now = ratebot.services.store, ratebot.services.clock.now()
    await store.update_team("servicedesk", {"anonymity": "anonymous"}, actor=ADMIN, at=now)
    await rate_and_resolve(ratebot, slack, slack_api, "Replaced the toner")
    assert notices_in(slack_api, "DJAN") == []


async def test_no_note_sends_nothing(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await rate_and_resolve(ratebot, slack, slack_api, "")
    assert notices_in(slack_api, "DJAN") == []
