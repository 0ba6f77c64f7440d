"""docs/integrations/power-automate.md, taken at its word: its requests, posted over HTTP.

The body template and the example requests are read out of the recipe itself (the fenced
block after each `<!-- recipe:... -->` marker), so the recipe cannot drift from what
ratebot accepts. Power Automate itself cannot run here; the recipe says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from adapters.helpdesk.auth import TOKEN_HEADER, basic_auth
from adapters.helpdesk.generic import parse_payload
from app.bootstrap import Ratebot
from bot.domain.events import ConversationClosed
from tests.e2e.support import SECRET, generic_ratebot, running, snapshot, webhook_count
from tests.fakes.clock import FakeClock

RECIPE = Path(__file__).parents[2] / "docs" / "integrations" / "power-automate.md"
SECRET_PLACEHOLDER = "<RATEBOT_WEBHOOK_SECRET>"
# A Power Automate expression written into a text: `@{...}`.
EXPRESSION = re.compile(r"@\{[^{}]+\}")


@dataclass(frozen=True)
class Request:
    """An HTTP request as the recipe prints it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def block_after(marker: str) -> str:
    """The fenced block that follows `<!-- recipe:<marker> -->` in the recipe."""
    text = RECIPE.read_text(encoding="utf-8")
    found = re.search(
        rf"<!-- recipe:{re.escape(marker)} -->\n```[a-z]*\n(.*?)\n```", text, re.DOTALL
    )
    assert found is not None, f"no block after <!-- recipe:{marker} --> in {RECIPE.name}"
    return found.group(1)


def request_in(marker: str, secret: str = SECRET) -> Request:
    """The recipe's request, with the test's secret where it shows the placeholder."""
    head, _, body = block_after(marker).partition("\n\n")
    request_line, *header_lines = head.splitlines()
    method, path, _version = request_line.split(" ")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip().replace(SECRET_PLACEHOLDER, secret)
    headers.pop("Host")  # the test server's own
    return Request(method, path, headers, body.encode())


@pytest.fixture
async def ratebot(database_url: str, clock: FakeClock) -> AsyncIterator[Ratebot]:
    async with running(generic_ratebot(database_url, clock)) as ratebot:
        yield ratebot


async def send(client: TestClient[Any, Any], request: Request) -> tuple[int, Any]:
    response = await client.request(
        request.method, request.path, data=request.body, headers=request.headers
    )
    return response.status, await response.json()


def test_the_body_template_is_json_naming_exactly_the_example_fields() -> None:
    template = json.loads(block_after("close-template"))
    example = json.loads(request_in("close-request").body)
    assert list(template) == list(example)
    for name, value in template.items():
        assert isinstance(value, str), name
        # Every value is a literal or an expression Power Automate fills in, nothing else.
        assert not EXPRESSION.sub("", value) or name in ("ticket_id", "team"), (name, value)
    assert template["team"] == example["team"]


def test_utcnows_seven_decimals_are_read_to_the_microsecond() -> None:
    close = parse_payload(request_in("close-request").body, received_at=datetime.now(UTC))
    assert isinstance(close, ConversationClosed)
    assert close.closed_at == datetime(2026, 11, 26, 10, 0, 0, 123456, tzinfo=UTC)


def test_the_example_requests_use_the_token_header_and_the_generic_endpoint() -> None:
    for marker in ("close-request", "reopen-request"):
        request = request_in(marker, secret="s")
        assert (request.method, request.path) == ("POST", "/webhooks/generic")
        assert request.headers == {"Content-Type": "application/json", TOKEN_HEADER: "s"}


async def test_the_recipes_close_asks_once_and_its_reopen_withdraws_it(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str
) -> None:
    close = request_in("close-request")
    assert await send(client, close) == (202, {"status": "accepted"})
    assert await ratebot.worker.settle() == 1
    rows = await snapshot(database_url)
    (conversation,) = rows["conversations"]
    assert conversation["external_id"] == "it-requests-17"
    (prompt,) = rows["prompts"]
    assert prompt["status"] == "pending"
    # An item edited again after Done runs the flow again: nobody is asked twice.
    assert await send(client, close) == (200, {"status": "duplicate"})
    assert await ratebot.worker.settle() == 0
    status, answer = await send(client, request_in("reopen-request"))
    assert (status, answer) == (200, {"status": "reopened", "found": True, "withdrawn": True})
    assert webhook_count(ratebot, "generic", "accepted") == 1


async def test_basic_auth_with_the_secret_as_password_is_accepted_too(
    client: TestClient[Any, Any],
) -> None:
    close = request_in("close-request")
    headers = {"Content-Type": "application/json", "Authorization": basic_auth("flow", SECRET)}
    status, _ = await send(client, Request(close.method, close.path, headers, close.body))
    assert status == 202


async def test_a_wrong_token_is_refused_and_nothing_is_stored(
    client: TestClient[Any, Any], database_url: str
) -> None:
    status, answer = await send(client, request_in("close-request", secret="not-the-secret"))
    refusal = f"{TOKEN_HEADER} does not match the configured secret"
    assert (status, answer) == (401, {"error": refusal})
    assert (await snapshot(database_url))["conversations"] == []


async def test_an_item_without_an_agent_sends_blanks_that_are_read_as_not_given(
    client: TestClient[Any, Any], database_url: str
) -> None:
    close = request_in("close-request")
    body = {**json.loads(close.body), "agent": "", "agent_name": ""}
    blank = Request(close.method, close.path, close.headers, json.dumps(body).encode())
    assert await send(client, blank) == (202, {"status": "accepted"})
