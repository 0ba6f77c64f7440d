"""Someone who erased themselves and comes back: every screen says not asked until they opt in."""

from __future__ import annotations

import json

from app.bootstrap import Ratebot
from bot.domain.model import PromptStatus
from tests.e2e.slack.harness import SlackDriver
from tests.e2e.slack.test_app_home import open_home
from tests.e2e.slack.test_my_data_and_forget_me import command, decisions
from tests.e2e.slack.test_prompt_and_click import close, deliver
from tests.fakes.slack_api import FakeSlackApi


async def test_a_returning_person_is_not_asked_until_their_own_opt_in(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    store = ratebot.services.store
    await deliver(ratebot)
    await slack.clicks("UJAN", 9)
    question = await command(slack, "UJAN", "forget-me")
    message = {"ts": "1700000500.000100", "blocks": question["blocks"]}
    await slack.interaction(slack.block_actions("UJAN", "C0ADMIN", message, "privacy.forgetme"))
    assert await store.find_person(slack_user_id="UJAN") is None
    # They come back: opening App Home stores them again, as opted out.
    home = json.dumps(await open_home(slack, slack_api, "UJAN", "EvHome2"))
    assert "You have opted out of ratings." in home and "You may be asked" not in home
    assert "home.optin" in home
    back = await store.find_person(slack_user_id="UJAN")
    assert back is not None and back.opted_out
    reply = await command(slack, "UJAN", "optin")
    assert reply["text"] == "You may be asked for ratings again."
    home = json.dumps(await open_home(slack, slack_api, "UJAN", "EvHome3"))
    assert "You may be asked for ratings." in home
    ratebot.services.clock.advance(days=30)  # type: ignore[attr-defined]
    await close(ratebot, "INC-2")
    assert (await decisions(ratebot))[-1] == (PromptStatus.PENDING.value, None)
