"""Mutual rating on the command line: `ratebot teams set <team> mutual on|off` says what it
means, `ratebot teams` names the teams that have it, `ratebot stats` shows the totals."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from app.bootstrap import build
from app.settings import load_settings
from bot.domain.events import ConversationClosed
from bot.domain.identity import PersonIdentity
from bot.domain.request_checks import CLARITY
from bot.flows.asking import conversation_closed
from bot.flows.interactions.checking_requests import answer_check
from bot.flows.request_checks import send_request_checks
from tests.e2e.test_cli import Env, cli, db, env, ok, query  # noqa: F401
from tests.fakes.chat import FakeChat


def test_mutual_rating_is_off_until_turned_on_and_says_what_it_means(
    env: Env, db: Path  # noqa: F811
) -> None:
    ok(env, "migrate")
    ok(env, "teams", "add", "servicedesk")
    assert query(db, "SELECT mutual FROM teams") == [(0,)]
    out = ok(env, "teams", "set", "servicedesk", "mutual", "on")
    assert "Set mutual of servicedesk to on." in out
    assert "never per agent or requester" in " ".join(out.split())
    assert query(db, "SELECT mutual FROM teams") == [(1,)]
    assert "Mutual rating on: servicedesk" in " ".join(ok(env, "teams", "list").split())
    out = ok(env, "teams", "set", "servicedesk", "mutual", "off")
    assert "never per agent" not in out
    assert query(db, "SELECT mutual FROM teams") == [(0,)]
    result = cli(env, "teams", "set", "servicedesk", "mutual", "maybe")
    assert result.exit_code != 0 and "use one of on, off" in result.output


def answered(env: Env, clarities: list[str], *, first: int = 0) -> None:  # noqa: F811
    """Each clarity answered by agent Piet about a request of its own."""
    async def work() -> None:
        chat = FakeChat()
        bot = await build(load_settings(env), rng=random.Random(first), chats=(chat,))
        try:
            for number in range(first, first + len(clarities)):
                await conversation_closed(bot.services, ConversationClosed(
                    source="generic", ticket_id=f"INC-{number}", team="servicedesk",
                    requester_email=f"user{number}@example.com",
                    agent_email="piet@example.com", closed_at=bot.services.clock.now(),
                ))
            await send_request_checks(bot.services)
            piet = PersonIdentity(email="piet@example.com")
            for check, clarity in zip(chat.checks, clarities, strict=True):
                await answer_check(bot.services, check.check_id, piet, CLARITY, clarity, None)
        finally:
            await bot.aclose()

    asyncio.run(work())


def test_stats_show_the_totals_from_the_minimum_of_respondents(env: Env) -> None:  # noqa: F811
    ok(env, "migrate")
    ok(env, "teams", "add", "servicedesk")
    ok(env, "teams", "set", "servicedesk", "mutual", "on")
    answered(env, ["clear", "clear", "unclear", "partly"])
    assert "agents saw" not in ok(env, "stats")  # 4: below the minimum of 5
    answered(env, ["clear"], first=4)
    out = " ".join(ok(env, "stats").split())
    assert ("servicedesk, requests as agents saw them (last 90 days): clear 60%, partly 20%, "
            "unclear 20%; reachable — (n=5)") in out
