"""Slack's directory, synced through the real slack-sdk against the fake Web API: people
mapped page by page, prompts that need no lookup, a sync that resumes, the per-email
lookup only as a fallback, Slack's 429 honoured, and forget-me reaching the directory."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import aiohttp
import pytest

from adapters.slack.directory import WAITING, Progress
from adapters.slack.outbound import SlackChat, slack_client
from adapters.slack.pacing import Pacer, slack_pacers
from adapters.slack.ratelimit import PLATFORM, RateLimitGate
from app.bootstrap import Ratebot
from app.delivery_worker import DeliveryWorker
from bot.domain.clock import Clock, SystemClock
from bot.domain.events import ConversationClosed
from bot.domain.model import PromptStatus
from bot.flows.asking import conversation_closed
from bot.flows.platform_pauses import PlatformPauses
from tests.e2e.slack.harness import BOT_TOKEN
from tests.fakes.clock import FakeClock, ScaledClock
from tests.fakes.slack_api import FakeSlackApi

PEOPLE = 450  # three pages of 200
Sleep = Callable[[float], Awaitable[None]]


@pytest.fixture
async def chat(ratebot: Ratebot, slack_api: FakeSlackApi, clock: FakeClock
               ) -> AsyncIterator[SlackChat]:
    """The Slack port on the test's clock, unpaced (the pacers have tests of their own)."""
    slack = slack_chat_on(ratebot, slack_api, clock, SystemClock(), pacers={})
    replaced = [c for c in ratebot.services.chats if isinstance(c, SlackChat)]
    others = tuple(c for c in ratebot.services.chats if not isinstance(c, SlackChat))
    services = dataclasses.replace(ratebot.services, chats=(*others, slack))
    ratebot.services = services
    ratebot.worker = DeliveryWorker(services)
    for number in range(PEOPLE):
        slack_api.add_user(f"U{number:05d}", f"person{number}@example.com", f"Person {number}",
                           tz="Europe/Lisbon", locale="fr-FR")
    slack_api.add_user("UBOTTY", "bot@example.com", "A bot", is_bot=True)
    slack_api.add_user("UGONE", "gone@example.com", "Left us", deleted=True)
    yield slack
    for old in replaced:
        await old.aclose()


def slack_chat_on(ratebot: Ratebot, slack_api: FakeSlackApi, clock: Clock, gate_clock: Clock,
                  *, pacers: dict[str, Pacer], sleep: Sleep = asyncio.sleep) -> SlackChat:
    """A Slack port keeping its records by `clock` and Slack's windows by `gate_clock`."""
    session = aiohttp.ClientSession()
    store = ratebot.services.store
    gate = RateLimitGate(PlatformPauses(store, PLATFORM), gate_clock, shared=False, sleep=sleep)
    return SlackChat(slack_client(BOT_TOKEN, api_url=slack_api.base_url, session=session),
                     store, default_locale="en", pacers=pacers, clock=clock, gate=gate,
                     session=session)


async def close(ratebot: Ratebot, email: str, ticket: str = "INC-1") -> int:
    event = ConversationClosed(
        source="generic", ticket_id=ticket, requester_email=email, team="servicedesk",
        closed_at=ratebot.services.clock.now(), subject="Printer",
    )
    outcome = await conversation_closed(ratebot.services, event)
    return outcome.prompt.id


async def test_a_sync_maps_everyone_page_by_page_and_skips_bots_and_the_deactivated(
    chat: SlackChat, slack_api: FakeSlackApi,
) -> None:
    report = await chat.directory.sync()
    assert report is not None and report.pages == 3
    calls = slack_api.called("users.list")
    assert [c.args.get("cursor") for c in calls] == [None, "page:200", "page:400"]
    assert {c.args["limit"] for c in calls} == {"200"}
    found = await chat.directory.find("Person449@example.com")
    assert found is not None
    assert (found.user_id, found.timezone, found.locale) == ("U00449", "Europe/Lisbon",
                                                             "fr-FR")
    assert await chat.directory.find("bot@example.com") is None
    assert await chat.directory.find("gone@example.com") is None
    # Nothing changed since: the next sync writes nothing.
    again = await chat.directory.sync()
    assert again is not None and again.written == 0


async def test_a_first_prompt_to_someone_in_the_directory_costs_no_lookup(
    ratebot: Ratebot, chat: SlackChat, slack_api: FakeSlackApi,
) -> None:
    await chat.directory.sync()
    await close(ratebot, "person7@example.com")
    await ratebot.worker.run_once()
    for method in ("users.lookupByEmail", "users.info", "conversations.open"):
        assert not slack_api.called(method), method
    post = slack_api.last("chat.postMessage")
    assert post.args["channel"] == "U00007"  # the user id: Slack opens the DM
    assert slack_api.deliveries("D")  # and it landed in their DM
    person = await ratebot.services.store.find_person(email="person7@example.com")
    assert person is not None
    assert (person.slack_user_id, person.timezone, person.locale) == (
        "U00007", "Europe/Lisbon", "fr-FR")


async def test_an_interrupted_sync_resumes_after_its_last_page(
    chat: SlackChat, slack_api: FakeSlackApi,
) -> None:
    # The second page fails: what the first one listed is kept, and where it stopped.
    original = slack_api._users_list
    served = 0

    def failing_second(args: dict[str, object], request: object) -> dict[str, object]:
        nonlocal served
        served += 1
        if served == 2:
            return {"error": "internal_error"}
        return original(args, request)  # type: ignore[arg-type]

    slack_api._users_list = failing_second  # type: ignore[method-assign]
    with pytest.raises(Exception, match="internal_error"):
        await chat.directory.sync()
    assert await chat.directory.find("person5@example.com") is not None
    assert await chat.directory.find("person205@example.com") is None

    report = await chat.directory.sync()
    assert report is not None and report.pages == 2
    cursors = [c.args.get("cursor") for c in slack_api.called("users.list")]
    assert cursors == [None, "page:200", "page:200", "page:400"]
    assert await chat.directory.find("person405@example.com") is not None


async def test_someone_the_directory_does_not_know_is_looked_up_once_and_kept(
    ratebot: Ratebot, chat: SlackChat, slack_api: FakeSlackApi,
) -> None:
    await chat.directory.sync()
    slack_api.add_user("UNEW", "new@example.com", "Joined today")
    await close(ratebot, "new@example.com")
    await ratebot.worker.run_once()
    assert [c.args["email"] for c in slack_api.called("users.lookupByEmail")] == [
        "new@example.com"]
    assert slack_api.last("chat.postMessage").args["channel"] == "UNEW"
    kept = await chat.directory.find("new@example.com")
    assert kept is not None and kept.user_id == "UNEW"


async def test_while_the_first_sync_runs_a_prompt_waits_for_its_page_not_a_lookup(
    ratebot: Ratebot, chat: SlackChat, slack_api: FakeSlackApi, clock: FakeClock,
) -> None:
    # The first page is kept, then the sync stops short (as a replica would mid-sync).
    original = slack_api._users_list
    served = 0

    def stop_after_first(args: dict[str, object], request: object) -> dict[str, object]:
        nonlocal served
        served += 1
        if served == 2:
            return {"error": "internal_error"}
        return original(args, request)  # type: ignore[arg-type]

    slack_api._users_list = stop_after_first  # type: ignore[method-assign]
    with pytest.raises(Exception, match="internal_error"):
        await chat.directory.sync()
    prompt_id = await close(ratebot, "person300@example.com")  # on the third page
    await ratebot.worker.run_once()
    assert not slack_api.called("users.lookupByEmail")
    assert not slack_api.called("chat.postMessage")
    store = ratebot.services.store
    waiting = await store.get_prompt(prompt_id)
    assert waiting is not None and waiting.status is PromptStatus.PENDING
    assert waiting.attempts == 0

    slack_api._users_list = original  # type: ignore[method-assign]
    await chat.directory.sync()  # resumes; the third page makes the prompt due again
    await ratebot.worker.run_once()
    sent = await store.get_prompt(prompt_id)
    assert sent is not None and sent.status is PromptStatus.SENT
    assert not slack_api.called("users.lookupByEmail")
    assert slack_api.last("chat.postMessage").args["channel"] == "U00300"
    progress = Progress.parse(await store.poll_checkpoint("slack-directory"))
    assert progress is not None and progress.completed == clock.now()
    assert WAITING.startswith("slack:")


async def test_a_429_on_users_list_is_waited_out_for_its_whole_retry_after(
    chat: SlackChat, slack_api: FakeSlackApi,
) -> None:
    slack_api.throttle("users.list", calls={2}, retry_after=1)
    started = time.monotonic()
    report = await chat.directory.sync()
    assert report is not None and report.pages == 3
    assert len(slack_api.windows) == 1
    assert slack_api.violations == []
    retried = slack_api.called("users.list")[2]
    assert retried.args.get("cursor") == "page:200"
    assert time.monotonic() - started >= 1.0


async def test_forget_me_drops_the_directory_entry_and_the_next_sync_keeps_it_out(
    ratebot: Ratebot, chat: SlackChat, slack_api: FakeSlackApi, clock: FakeClock,
) -> None:
    await chat.directory.sync()
    await close(ratebot, "person3@example.com")
    await ratebot.worker.run_once()
    store = ratebot.services.store
    person = await store.find_person(email="person3@example.com")
    assert person is not None
    await store.forget_self(person.id, at=clock.now())
    assert await chat.directory.find("person3@example.com") is None
    slack_api.users["U00003"].updated += 1  # their profile changed meanwhile
    await chat.directory.sync()
    assert await chat.directory.find("person3@example.com") is None
    assert await chat.directory.find("person4@example.com") is not None


SCALE = 6


@pytest.mark.parametrize("paced", [False, True], ids=["unpaced", "paced"])
async def test_under_slacks_tiers_a_429_is_waited_out_and_pacing_avoids_it(
    ratebot: Ratebot, chat: SlackChat, slack_api: FakeSlackApi, paced: bool,
) -> None:
    # Tier 2 is one users.list call per 3 s: at 6 times the speed, 0.5 s of real time,
    # far more than storing a page takes even on a busy machine (the unpaced run counts on
    # each next page meeting the window the previous one opened).
    scaled = ScaledClock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC), SCALE)
    pacers = slack_pacers(now=scaled.monotonic, sleep=scaled.sleep) if paced else {}
    tiered = slack_chat_on(ratebot, slack_api, scaled, scaled, pacers=pacers,
                           sleep=scaled.sleep)
    limits = slack_api.enforce_tiers(scale=SCALE)
    try:
        report = await tiered.directory.sync()
    finally:
        await tiered.aclose()
    assert report is not None and report.pages == 3
    assert limits.violations == []  # nothing called inside a window Slack announced
    refused = limits.refused.get("users.list", 0)
    if paced:
        assert refused == 0
    else:
        # Each page after the first met a 429 (Retry-After 3) and went through after it.
        assert refused == 2
        assert len(slack_api.called("users.list")) == 5
    assert await tiered.directory.find("person449@example.com") is not None
