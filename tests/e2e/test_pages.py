"""`serve` answers the privacy and terms pages the Teams app links to, in the README's words."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient

from adapters.teams.package import manifest
from app.bootstrap import Ratebot, build
from app.settings import load_settings
from tests.e2e.support import running, served
from tests.fakes.clock import FakeClock

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "8d88f59b-ae61-4300-bec0-caace7d28446"
# Sentences the privacy page shares with the README: one wording in both places.
SHARED = (
    "One click records the rating; an optional comment follows.",
    "Each rating belongs to a team and, where known, an agent.",
    "Only the person who had the conversation",
    "never someone who opted out, is on the exclusion list, is an agent of any team, or is "
    "the ticket's own agent",
    "names kept, shown only to admins, never in digests or alerts",
    "In an anonymous team the stored rating carries no prompt, person, agent or ticket, "
    "and its time is the day only.",
    "Once a day ratebot removes what is older than each team's limits",
    "Ratings given to anonymous teams are stored without any link to you, so they are not "
    "in it.",
    "your ratings stay as numbers without you",
)


class Text(HTMLParser):
    """The page as a reader sees it, and every tag it uses."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def read(page: str) -> Text:
    parsed = Text()
    parsed.feed(page)
    return parsed


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("`", ""))


@pytest.fixture
async def ratebot(database_url: str, clock: FakeClock) -> AsyncIterator[Ratebot]:
    env = {"RATEBOT_DATABASE_URL": database_url, "RATEBOT_RETENTION_COMMENT_MONTHS": "6",
           "RATEBOT_RETENTION_IDENTITY_MONTHS": "0", "RATEBOT_MIN_RESPONDENTS": "7"}
    async with running(build(load_settings(env), clock=clock)) as built:
        yield built


async def test_the_privacy_page_says_what_is_stored_for_how_long_and_how_to_be_forgotten(
    client: TestClient[Any, Any],
) -> None:
    response = await client.get("/privacy")
    assert response.status == 200
    assert response.content_type == "text/html" and response.charset == "utf-8"
    page = read(await response.text())
    shown = words(" ".join(page.parts))
    for heading in ("What ratebot stores", "Anonymity", "Retention",
                    "Your own data, and being forgotten"):
        assert heading in shown
    # This server's own limits, not the defaults.
    assert "comments: 6 months" in shown
    assert "lose the person, the agent and the ticket: kept forever" in shown
    assert "prompts and decisions, then the closes they were about: 13 months" in shown
    assert "hidden below 7 respondents" in shown
    for how in ("my data", "/ratings my-data", "forget me", "/ratings forget-me", "optout"):
        assert how in shown
    readme = words(ROOT.joinpath("README.md").read_text(encoding="utf-8"))
    for sentence in SHARED:
        assert sentence in shown and sentence in readme, sentence
    # A plain page: nothing runs and nothing is fetched from elsewhere.
    assert page.tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p",
                         "ul", "li", "code"}


async def test_the_terms_page_names_the_licence_and_points_to_the_privacy_page(
    client: TestClient[Any, Any],
) -> None:
    response = await client.get("/terms")
    assert response.status == 200 and response.content_type == "text/html"
    shown = words(" ".join(read(await response.text()).parts))
    assert "Apache License 2.0" in shown and "without warranty" in shown
    assert "Rating is voluntary" in shown and "/privacy" in shown
    assert "Apache License" in ROOT.joinpath("LICENSE").read_text(encoding="utf-8")


async def test_the_teams_package_links_to_the_pages_the_server_answers(
    client: TestClient[Any, Any],
) -> None:
    developer = manifest(APP_ID, version="1.0.0", domain="ratebot.example.com")["developer"]
    for key in ("privacyUrl", "termsOfUseUrl"):
        link = urlsplit(developer[key])
        assert (link.scheme, link.hostname) == ("https", "ratebot.example.com")
        assert (await client.get(link.path)).status == 200, key


async def test_the_pages_are_served_without_any_chat_platform(ratebot: Ratebot) -> None:
    assert not ratebot.services.chats  # neither Slack nor Teams is configured here
    async with served(ratebot) as client:
        assert (await client.get("/privacy")).status == 200
        assert (await client.get("/terms")).status == 200
        assert (await client.post("/privacy")).status == 405
