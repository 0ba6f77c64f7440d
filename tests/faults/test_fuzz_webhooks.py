"""Hostile bodies into every helpdesk webhook, signed as each helpdesk signs.

For each source: the close it accepts with fields made hostile (NUL, surrogates, huge
text, extreme dates, wrong types, nested junk), random JSON, bytes that are not JSON or
not UTF-8, form bodies, and now and then an unsigned or forged request. No answer may be
a 5xx other than 503, a refusal stores nothing, and afterwards the server is healthy and
takes a real close, which the worker settles.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import strategies as st

from adapters.helpdesk.generic import sign
from adapters.helpdesk.vendor import VendorWebhook
from app.bootstrap import Ratebot
from tests.e2e.support import CLOSE, running, served
from tests.e2e.test_webhook_sources import CASES, SECRETS, make_ratebot, signer
from tests.fakes.clock import FakeClock
from tests.faults.fuzz_support import Probe, hostile_bodies, run_examples, sendable

pytestmark = pytest.mark.faults

GENERIC_SECRET = "generic-fuzz-secret"
# Where each source's close names its ticket: a fresh one proves the door still opens.
TICKETS = {
    "generic": "ticket_id", "zendesk": "ticket_id", "jira": "issue.key",
    "freshservice": "ticket_id", "servicenow": "number", "zammad": "ticket.number",
    "glpi": "item.id", "github": "issue.number",
}
SIGNED, UNSIGNED, FORGED = "signed", "unsigned", "forged"
# Mostly signed: the door's checks behind the signature are what is being fuzzed.
signing = st.sampled_from([SIGNED] * 8 + [UNSIGNED, FORGED])


@dataclass(frozen=True)
class Source:
    name: str
    close: dict[str, Any]
    headers: Callable[[bytes, str], dict[str, str]]  # (body, secret) -> what the sender adds


def sources(clock: FakeClock) -> list[Source]:
    found = [Source("generic", {**CLOSE},
                    lambda body, secret: {"X-Ratebot-Signature": sign(body, secret)})]
    for case in CASES:
        vendor = signer(case, clock)

        def headers(body: bytes, secret: str, vendor: VendorWebhook = vendor) -> dict[str, str]:
            return vendor.signed_headers(body, secret, clock.now())

        found.append(Source(case.source, case.close, headers))
    return found


def secret_of(source: str) -> str:
    return GENERIC_SECRET if source == "generic" else SECRETS[source]


def with_ticket(close: dict[str, Any], path: str, ticket: str) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(close))
    *parents, last = path.split(".")
    target = copy
    for part in parents:
        target = target[part]
    target[last] = ticket
    return copy


class Door:
    """One source's webhook, posted to as its helpdesk would (or as an impostor)."""

    def __init__(self, client: TestClient[Any, Any], source: Source) -> None:
        self.client = client
        self.source = source

    async def post(self, body: bytes, how: str = SIGNED) -> int:
        secret = secret_of(self.source.name)
        headers = {"Content-Type": "application/json"}
        if how == SIGNED:
            headers.update(self.source.headers(body, secret))
        elif how == FORGED:
            headers.update(self.source.headers(body, "not-" + secret))
        response = await self.client.post(f"/webhooks/{self.source.name}", data=sendable(body),
                                          headers=headers)
        await response.read()
        if response.status < 500 or response.status == 503:
            assert response.content_type == "application/json"
        return response.status


@pytest.mark.parametrize("source_name", list(TICKETS))
async def test_no_hostile_body_breaks_a_webhook_or_leaves_anything_behind(
    database_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest, source_name: str,
) -> None:
    source = next(s for s in sources(clock) if s.name == source_name)
    async with (
        running(make_ratebot(database_url, clock, RATEBOT_WEBHOOK_SECRET=GENERIC_SECRET))
        as ratebot,
        served(ratebot) as client,
    ):
        door = Door(client, source)
        async with Probe(database_url, caplog, settle=lambda: settled(ratebot)) as probe:

            async def attempt(drawn: tuple[bytes, str]) -> None:
                body, how = drawn
                await probe.judge(await door.post(body, how), body)

            strategy = st.tuples(hostile_bodies(source.close), signing)
            await asyncio.to_thread(run_examples, asyncio.get_running_loop(), strategy, attempt)
            await healthy_after(client, door, probe)
    probe.report(request)
    probe.assert_enough()


async def settled(ratebot: Ratebot) -> None:
    while await ratebot.worker.settle():
        pass


async def healthy_after(client: TestClient[Any, Any], door: Door, probe: Probe) -> None:
    assert (await client.get("/healthz")).status == 200
    fresh = with_ticket(door.source.close, TICKETS[door.source.name], "987654")
    status = await door.post(json.dumps(fresh).encode())
    assert status == 202, status
    await probe.judge(status, b"the fresh close")
    rows = probe.state or {}
    (fresh_id,) = [c["id"] for c in rows["conversations"] if c["external_id"].endswith("987654")]
    decided = [p for p in rows["prompts"] if p["conversation_id"] == fresh_id]
    assert decided, "the fresh close was not settled"
