"""The weekly digest in a Teams channel, through the fake connector: a card with its chart."""

from __future__ import annotations

import base64
import json
import sys
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.teams import outbound
from adapters.teams.render import PNG_DATA_URI
from bot.domain.messages import DigestMessage
from bot.flows.digest_flow import DigestFlow, Outcome
from bot.ports.charts import ChartSize
from tests.adapters.teams.test_digest_card import all_text, images, png_header, tiny_png
from tests.e2e.teams.harness import TeamsBotUnderTest
from tests.e2e.teams.support import ALERT_CHANNEL, JAN, PIET, button
from tests.e2e.teams.test_commands import say
from tests.e2e.teams.test_prompts import close_for, install, setup_team
from tests.fakes.bot_connector import Call, card_of

MENTION = "<at>ratebot</at> "
TEAMS_ACTIVITY_LIMIT = 28 * 1024


async def rated_week(bot: TeamsBotUnderTest) -> None:
    """A team with a digest channel and one detractor's rating with a comment, a week ago."""
    await setup_team(bot, display_name="Desk *one*")
    await bot.teams.add_bot_to_channel(ALERT_CHANNEL, PIET)
    await bot.teams.say(PIET, MENTION + "ratings team set servicedesk digest-channel here",
                        channel=ALERT_CHANNEL, thread="5", message_id="5")
    await install(bot, JAN)
    await close_for(bot, JAN.email)
    card = bot.teams.connector.last_card()
    status, clicked = await bot.teams.execute(JAN, button(card, "3"))
    assert status == 200
    comment = "Took [three days](https://evil.example) **really**"
    status, _ = await bot.teams.execute(JAN, button(clicked["value"], verb="comment"),
                                        {"comment": comment})
    assert status == 200
    bot.clock.advance(days=7)  # the rating's week is now the last complete one


async def post_digest(bot: TeamsBotUnderTest, flow: DigestFlow) -> Call:
    result = await flow.send_digest("servicedesk")
    assert (result.outcome, result.period) == (Outcome.POSTED, "2026-W48")
    [post] = [call for call in bot.teams.connector.of("send")
              if call.conversation_id == ALERT_CHANNEL]
    assert post.body["summary"].startswith("Desk *one*: weekly ratings, 2026-W48")
    # Teams refuses activities over about 28 KB.
    assert len(json.dumps(post.body).encode()) < TEAMS_ACTIVITY_LIMIT
    return post


def assert_digest_text(card: dict[str, Any]) -> None:
    text = all_text(card)
    assert "**Desk \\*one\\*: weekly ratings, 2026-W48" in text
    assert "NPS -100" in text and "1 detractor" in text
    assert "Took \\[three days\\]\\(https://evil.example\\) \\*\\*really\\*\\*" in text
    lowered = text.lower()
    assert not any(word in lowered for word in ("chart", "picture", "image", "missing"))


async def test_the_digest_card_shows_the_chart_as_an_inline_png(
    bot: TeamsBotUnderTest,
) -> None:
    pytest.importorskip("matplotlib")
    await rated_week(bot)
    post = await post_digest(bot, DigestFlow(bot.services))
    card = card_of(post.body)
    assert card["version"] == "1.5"
    [image] = images(card)
    assert image["url"].startswith(PNG_DATA_URI)
    # The core's 1200 x 600 chart is too large for a card: Teams gets one drawn smaller.
    png = base64.b64decode(image["url"].removeprefix(PNG_DATA_URI), validate=True)
    assert png_header(png) == (840, 420, 3)  # shown 420 px wide, drawn at 2x
    assert png.endswith(b"IEND\xaeB`\x82")
    assert "Desk *one*: weekly NPS" in image["altText"]
    assert_digest_text(card)


async def test_without_matplotlib_the_digest_card_is_the_text_alone(
    bot: TeamsBotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    # None in sys.modules makes the import fail as if the `charts` extra were not installed.
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    await rated_week(bot)
    card = card_of((await post_digest(bot, DigestFlow(bot.services))).body)
    assert images(card) == []
    assert_digest_text(card)


async def test_a_chart_too_large_for_a_card_is_left_out(
    bot: TeamsBotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib")
    # Full colour at the core's size: some 40-70 KB, far beyond what a card may carry.
    monkeypatch.setattr(outbound, "CARD_CHART", ChartSize())
    await rated_week(bot)
    card = card_of((await post_digest(bot, DigestFlow(bot.services))).body)
    assert images(card) == []
    assert_digest_text(card)


async def test_a_chart_from_the_core_that_fits_is_shown_as_it_is(bot: TeamsBotUnderTest) -> None:
    await rated_week(bot)
    team = await bot.services.store.get_team("servicedesk")
    assert team is not None
    channel = team.channel("teams", "digest")
    assert channel is not None
    digest = await DigestFlow(bot.services).preview("servicedesk")
    png = tiny_png(3, 2)
    await bot.chat.post_message(channel, DigestMessage(digest, chart_png=png))
    [image] = images(bot.teams.connector.last_card())
    assert base64.b64decode(image["url"].removeprefix(PNG_DATA_URI), validate=True) == png


async def test_an_admin_sends_the_digest_now_with_a_message(bot: TeamsBotUnderTest) -> None:
    pytest.importorskip("matplotlib")
    await rated_week(bot)
    bot.clock.set(datetime(2026, 11, 30, 9, 0, 5, tzinfo=UTC))  # the digest's scheduled time
    answer = await say(bot, PIET, "ratings digest send servicedesk")
    assert answer == "Posted the digest of `servicedesk` for 2026-W48."
    [post] = [call for call in bot.teams.connector.of("send")
              if call.conversation_id == ALERT_CHANNEL]
    assert len(images(card_of(post.body))) == 1
    # It was that week's digest: neither a second send nor the schedule posts it again.
    posts = len(bot.teams.connector.sent_to(ALERT_CHANNEL))
    again = await say(bot, PIET, "ratings digest send servicedesk 2026-W48")
    assert "was posted already" in again
    [scheduled] = await DigestFlow(bot.services).catch_up()
    assert (scheduled.period, scheduled.outcome) == ("2026-W48", Outcome.ALREADY)
    assert len(bot.teams.connector.sent_to(ALERT_CHANNEL)) == posts
