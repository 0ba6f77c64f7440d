"""Every native helpdesk source over real HTTP, through the real app, into a real store."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from adapters.helpdesk.auth import Signature
from adapters.helpdesk.generic import sign
from adapters.helpdesk.vendor import VendorWebhook
from app.bootstrap import Ratebot, build
from app.server import helpdesk_sources
from app.settings import load_settings
from storage.store import SqlStore
from tests.adapters.helpdesk import glpi_payloads, payloads
from tests.e2e.support import (
    ADMIN,
    running,
    served,
    snapshot,
    unchanged,
    unreachable_ratebot,
    webhook_count,
)
from tests.fakes.clock import FakeClock

SECRETS = {
    "zendesk": "zendesk-e2e-secret",
    "jira": "jira-e2e-secret",
    "freshservice": "freshservice-e2e-secret",
    "servicenow": "servicenow-e2e-secret",
    "zammad": "zammad-e2e-secret",
    "glpi": "glpi-e2e-secret",
    "github": "github-e2e-secret",
}


@dataclass(frozen=True)
class Case:
    source: str
    close: dict[str, Any]
    reopen: dict[str, Any]
    ignored: dict[str, Any]
    group: str  # the helpdesk's group, team or project the close names
    ticket: str  # the ticket id ratebot stores
    invalid: dict[str, Any]  # a close with one bad field
    bad_field: str


def _without_requester(payload: dict[str, Any], path: str) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(payload))
    *parents, last = path.split(".")
    target = copy
    for part in parents:
        target = target[part]
    target[last] = "not-an-address"
    return copy


CASES = [
    Case(
        "zendesk", payloads.zendesk("Solved"), payloads.zendesk("Open"), payloads.zendesk("New"),
        "Service Desk", "1042",
        _without_requester(payloads.zendesk(), "requester_email"), "requester_email",
    ),
    Case(
        "jira",
        payloads.jira_webhook(),
        payloads.jira_webhook("In Progress", "indeterminate", from_status="Resolved"),
        payloads.jira_webhook("Waiting for support", "indeterminate", from_status="Open"),
        "ITSM", "ITSM-42",
        _without_requester(payloads.jira_webhook(), "issue.fields.reporter.emailAddress"),
        "issue.fields.reporter.emailAddress",
    ),
    Case(
        "freshservice", payloads.freshservice("Resolved"), payloads.freshservice("Open"),
        payloads.freshservice("Awaiting vendor"), "Hardware", "INC-77",
        _without_requester(payloads.freshservice(), "requester_email"), "requester_email",
    ),
    Case(
        "servicenow", payloads.servicenow("6", "2"), payloads.servicenow("2", "6"),
        payloads.servicenow("3", "2"), "Service Desk", "INC0010023",
        _without_requester(payloads.servicenow(), "caller_email"), "caller_email",
    ),
    Case(
        "zammad", payloads.zammad("closed"), payloads.zammad("open"), payloads.zammad("new"),
        "Service Desk", "10081",
        _without_requester(payloads.zammad(), "ticket.customer.email"), "ticket.customer.email",
    ),
    Case(
        "glpi", payloads.glpi(5), payloads.glpi(2), payloads.glpi(1), "Service Desk", "42",
        _without_requester(payloads.glpi(), "requester_email"), "requester_email",
    ),
    Case(
        "github", payloads.github("closed"), payloads.github("reopened"),
        payloads.github("labeled"), "acme/it-requests", "acme/it-requests#17",
        {**payloads.github(), "issue": {**payloads.github()["issue"], "number": ""}},
        "issue.number",
    ),
]


async def make_ratebot(
    database_url: str, clock: FakeClock, *, configured: bool = True, **env: str
) -> Ratebot:
    settings_env = {"RATEBOT_DATABASE_URL": database_url, **env}
    if configured:
        settings_env.update(
            {f"RATEBOT_{name.upper()}_SECRET": secret for name, secret in SECRETS.items()}
        )
    ratebot = await build(load_settings(settings_env), clock=clock)
    store = ratebot.services.store
    assert isinstance(store, SqlStore)
    for team in ("servicedesk", "facilities"):
        await store.add_team(team, actor=ADMIN, at=clock.now())
    for case in CASES:
        await store.map_group(case.source, case.group, "servicedesk", actor=ADMIN, at=clock.now())
    return ratebot


@pytest.fixture
async def ratebot(database_url: str, clock: FakeClock) -> AsyncIterator[Ratebot]:
    async with running(make_ratebot(database_url, clock)) as ratebot:
        yield ratebot


def signer(case: Case, clock: FakeClock, secret: str | None = None) -> VendorWebhook:
    env = {f"RATEBOT_{case.source.upper()}_SECRET": secret or SECRETS[case.source]}
    source = helpdesk_sources(load_settings(env), clock)[case.source]
    assert isinstance(source, VendorWebhook)
    return source


async def post(
    client: TestClient[Any, Any],
    case: Case,
    payload: dict[str, Any],
    clock: FakeClock,
    *,
    secret: str | None = None,
    headers: dict[str, str] | None = None,
) -> ClientResponse:
    raw = json.dumps(payload).encode()
    signed = signer(case, clock, secret).sign(raw, now=clock.now()) if headers is None else headers
    sent = {"Content-Type": "application/json", **signed}
    return await client.post(f"/webhooks/{case.source}", data=raw, headers=sent)


async def conversations(database_url: str) -> list[dict[str, Any]]:
    return (await snapshot(database_url))["conversations"]


by_source = pytest.mark.parametrize("case", CASES, ids=[case.source for case in CASES])


@by_source
async def test_a_signed_close_is_stored_in_the_mapped_team(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, clock: FakeClock,
    case: Case,
) -> None:
    response = await post(client, case, case.close, clock)
    assert response.status == 202, await response.text()
    assert await response.json() == {"status": "accepted"}
    (conversation,) = await conversations(database_url)
    assert (conversation["source"], conversation["external_id"]) == (case.source, case.ticket)
    team = await ratebot.services.store.get_team("servicedesk")
    assert team is not None and conversation["team_id"] == team.id
    assert webhook_count(ratebot, case.source, "accepted") == 1
    # The worker takes the decision moments later.
    await ratebot.worker.settle()
    (prompt,) = (await snapshot(database_url))["prompts"]
    assert (prompt["status"], prompt["team_id"]) == ("pending", team.id)

    again = await post(client, case, case.close, clock)
    assert again.status == 200
    assert await again.json() == {"status": "duplicate"}
    assert len(await conversations(database_url)) == 1


@by_source
async def test_a_reopen_withdraws_the_pending_prompt(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, clock: FakeClock,
    case: Case,
) -> None:
    assert (await post(client, case, case.close, clock)).status == 202
    response = await post(client, case, case.reopen, clock)
    assert response.status == 200, await response.text()
    assert await response.json() == {"status": "reopened", "found": True, "withdrawn": True}
    prompts = (await snapshot(database_url))["prompts"]
    assert [(p["status"], p["reason"]) for p in prompts] == [("skipped", "reopened")]
    assert webhook_count(ratebot, case.source, "reopened") == 1


@by_source
async def test_an_irrelevant_status_change_is_ignored_and_stores_nothing(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, clock: FakeClock,
    case: Case,
) -> None:
    async with unchanged(database_url):
        response = await post(client, case, case.ignored, clock)
        assert response.status == 200
        body = await response.json()
        assert body["status"] == "ignored"
        assert body["reason"]
    assert webhook_count(ratebot, case.source, "ignored") == 1
    metrics = await (await client.get("/metrics")).text()
    assert f'ratebot_webhooks_total{{outcome="ignored",source="{case.source}"}} 1.0' in metrics


@by_source
async def test_a_wrong_or_missing_signature_is_401_and_stores_nothing(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, clock: FakeClock,
    case: Case,
) -> None:
    async with unchanged(database_url):
        wrong = await post(client, case, case.close, clock, secret="not-the-configured-secret")
        assert wrong.status == 401
        assert (await wrong.json())["error"]
        missing = await post(client, case, case.close, clock, headers={})
        assert missing.status == 401
    assert webhook_count(ratebot, case.source, "unauthorized") == 2


@by_source
async def test_a_bad_field_is_400_naming_it(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, clock: FakeClock,
    case: Case,
) -> None:
    async with unchanged(database_url):
        response = await post(client, case, case.invalid, clock)
        assert response.status == 400, await response.text()
        assert case.bad_field in (await response.json())["fields"]
    assert webhook_count(ratebot, case.source, "invalid") == 1


@by_source
async def test_without_its_secret_a_source_refuses_everything(
    database_url: str, clock: FakeClock, case: Case
) -> None:
    async with (
        running(make_ratebot(database_url, clock, configured=False)) as ratebot,
        served(ratebot) as client,
        unchanged(database_url),
    ):
        response = await post(client, case, case.close, clock)
        assert response.status == 403
        assert f"RATEBOT_{case.source.upper()}_SECRET" in (await response.json())["error"]


async def test_an_unmapped_group_is_422_naming_the_group(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, clock: FakeClock
) -> None:
    case = CASES[0]
    async with unchanged(database_url):
        response = await post(client, case, {**case.close, "group": "Facilities Helpdesk"}, clock)
        assert response.status == 422
        error = (await response.json())["error"]
        assert "zendesk group 'Facilities Helpdesk'" in error
        assert "ratebot teams map <team> zendesk:Facilities Helpdesk" in error
    assert webhook_count(ratebot, "zendesk", "unknown_team") == 1


async def test_an_unmapped_group_goes_to_the_default_team_when_one_is_set(
    database_url: str, clock: FakeClock
) -> None:
    async with running(
        make_ratebot(database_url, clock, RATEBOT_DEFAULT_TEAM="facilities")
    ) as ratebot:
        async with served(ratebot) as client:
            case = CASES[0]
            payload = {**case.close, "group": "Facilities Helpdesk"}
            assert (await post(client, case, payload, clock)).status == 202
        (conversation,) = await conversations(database_url)
        team = await ratebot.services.store.get_team("facilities")
        assert team is not None and conversation["team_id"] == team.id


async def test_group_names_match_whatever_their_case_and_spacing(
    client: TestClient[Any, Any], database_url: str, clock: FakeClock
) -> None:
    case = CASES[0]
    payload = {**case.close, "group": "  service   DESK "}
    assert (await post(client, case, payload, clock)).status == 202


@pytest.mark.parametrize("source", ["zendesk"])
async def test_a_replayed_request_older_than_five_minutes_is_401(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, clock: FakeClock,
    source: str,
) -> None:
    case = next(case for case in CASES if case.source == source)
    raw = json.dumps(case.close).encode()
    signed = signer(case, clock).sign(raw, now=clock.now())
    headers = {"Content-Type": "application/json", **signed}
    clock.advance(minutes=6)
    async with unchanged(database_url):
        response = await client.post(f"/webhooks/{source}", data=raw, headers=headers)
        assert response.status == 401
        assert "replay" in (await response.json())["error"]


async def post_as_glpi(
    client: TestClient[Any, Any], raw: bytes, headers: dict[str, str]
) -> ClientResponse:
    sent = {"Content-Type": "application/json", **headers}
    return await client.post("/webhooks/glpi", data=raw, headers=sent)


async def test_glpis_default_payload_as_glpi_sends_it_is_a_close(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, clock: FakeClock
) -> None:
    raw = glpi_payloads.default_body(glpi_payloads.ticket())
    response = await post_as_glpi(
        client, raw, glpi_payloads.headers(raw, SECRETS["glpi"], clock.now())
    )
    assert response.status == 202, await response.text()
    (conversation,) = await conversations(database_url)
    assert (conversation["source"], conversation["external_id"]) == ("glpi", "42")
    assert conversation["subject"] == "Cannot print"


async def test_glpis_default_payload_without_email_logins_is_400_saying_what_to_do(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, clock: FakeClock
) -> None:
    raw = glpi_payloads.default_body(glpi_payloads.ticket(requester_login="jan"))
    async with unchanged(database_url):
        response = await post_as_glpi(
            client, raw, glpi_payloads.headers(raw, SECRETS["glpi"], clock.now())
        )
        assert response.status == 400
        reason = (await response.json())["fields"]["requester_email"]
        assert "login" in reason and "docs/integrations/glpi.md" in reason


async def test_glpis_retries_days_later_are_accepted_once_and_then_duplicates(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, clock: FakeClock
) -> None:
    # GLPI re-sends a queued webhook with the headers it stored when the event was raised.
    raw = glpi_payloads.default_body(glpi_payloads.ticket())
    stored = glpi_payloads.headers(raw, SECRETS["glpi"], clock.now())
    clock.advance(hours=30)
    assert (await post_as_glpi(client, raw, stored)).status == 202
    clock.advance(hours=100)
    again = await post_as_glpi(client, raw, stored)
    assert again.status == 200 and await again.json() == {"status": "duplicate"}
    assert len(await conversations(database_url)) == 1


async def test_a_glpi_request_signed_longer_ago_than_its_window_is_401(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, clock: FakeClock
) -> None:
    raw = glpi_payloads.default_body(glpi_payloads.ticket())
    stored = glpi_payloads.headers(raw, SECRETS["glpi"], clock.now())
    clock.advance(hours=169)
    async with unchanged(database_url):
        response = await post_as_glpi(client, raw, stored)
        assert response.status == 401
        assert "replay" in (await response.json())["error"]


async def test_the_glpi_window_is_a_setting(database_url: str, clock: FakeClock) -> None:
    env = {"RATEBOT_GLPI_MAX_AGE_HOURS": "2"}
    async with (
        running(make_ratebot(database_url, clock, **env)) as ratebot,
        served(ratebot) as client,
    ):
        raw = glpi_payloads.default_body(glpi_payloads.ticket())
        stored = glpi_payloads.headers(raw, SECRETS["glpi"], clock.now())
        clock.advance(hours=3)
        assert (await post_as_glpi(client, raw, stored)).status == 401


async def test_the_glpi_recipes_payload_with_quotes_and_backslashes_is_a_close(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, clock: FakeClock
) -> None:
    title = 'Printer "HP 4" & C:\\spool'
    raw = glpi_payloads.custom_body(
        glpi_payloads.ticket(name=title, requester_login="jan"), "jan@example.com"
    )
    response = await post_as_glpi(
        client, raw, glpi_payloads.headers(raw, SECRETS["glpi"], clock.now())
    )
    assert response.status == 202, await response.text()
    (conversation,) = await conversations(database_url)
    assert conversation["subject"] == title


async def test_the_generic_webhook_still_names_its_team_directly(
    database_url: str, clock: FakeClock
) -> None:
    async with running(
        make_ratebot(database_url, clock, RATEBOT_WEBHOOK_SECRET="generic-secret")
    ) as ratebot:
        async with served(ratebot) as client:
            raw = json.dumps(
                {"ticket_id": "G-1", "requester_email": "jan@example.com", "team": "facilities"}
            ).encode()
            headers = {"X-Ratebot-Signature": sign(raw, "generic-secret")}
            assert (await client.post("/webhooks/generic", data=raw, headers=headers)).status == 202
        (conversation,) = await conversations(database_url)
        team = await ratebot.services.store.get_team("facilities")
        assert team is not None and conversation["team_id"] == team.id


async def test_a_vendor_close_is_503_with_retry_after_when_the_database_is_down(
    clock: FakeClock,
) -> None:
    # The group lookup itself cannot reach the database.
    env = {"RATEBOT_ZENDESK_SECRET": SECRETS["zendesk"]}
    async with running(unreachable_ratebot(clock, env)) as down:
        async with served(down) as client:
            response = await post(client, CASES[0], CASES[0].close, clock)
            assert response.status == 503
            assert response.headers["Retry-After"] == "30"
        assert webhook_count(down, "zendesk", "unavailable") == 1


# ---------------------------------------------------------------- hostile text and times

NUL = "contains a NUL character, which cannot be stored"
SURROGATE = (
    "contains an unpaired surrogate (U+DC00), which is not valid Unicode and cannot be stored"
)


def text_leaves(payload: Any, path: str = "") -> Iterator[str]:
    """The dotted path of every text value in `payload`."""
    if isinstance(payload, str):
        yield path
    elif isinstance(payload, dict):
        for key, value in payload.items():
            yield from text_leaves(value, f"{path}.{key}" if path else key)
    elif isinstance(payload, list):
        for index, value in enumerate(payload):
            yield from text_leaves(value, f"{path}.{index}" if path else str(index))


def with_text(payload: dict[str, Any], path: str, bad: str) -> dict[str, Any]:
    copy: Any = json.loads(json.dumps(payload))
    *parents, last = path.split(".")
    target = copy
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    key: Any = int(last) if isinstance(target, list) else last
    target[key] = target[key][:1] + bad + target[key][1:]
    return dict(copy)


@by_source
async def test_text_the_database_cannot_store_is_400_in_every_field_naming_it(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, clock: FakeClock,
    case: Case,
) -> None:
    paths = list(text_leaves(case.close))
    async with unchanged(database_url):
        for path in paths:
            for bad, reason in (("\x00", NUL), ("\udc00", SURROGATE)):
                response = await post(client, case, with_text(case.close, path, bad), clock)
                assert response.status == 400, (path, await response.text())
                assert await response.json() == {"error": f"{path}: {reason}",
                                                  "fields": {path: reason}}
    assert webhook_count(ratebot, case.source, "invalid") == 2 * len(paths)
    # Nothing was left behind to poison the worker: the real close is stored and decided.
    assert (await post(client, case, case.close, clock)).status == 202
    assert await ratebot.worker.settle() == 1


TIMED = [
    pytest.param(CASES[3], "resolved_at", id="servicenow"),
    pytest.param(CASES[4], "ticket.close_at", id="zammad"),
    pytest.param(CASES[6], "issue.closed_at", id="github"),
]


@pytest.mark.parametrize(("case", "path"), TIMED)
@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
async def test_a_closing_time_that_overflows_in_utc_is_400_naming_it(
    client: TestClient[Any, Any], database_url: str, clock: FakeClock,
    case: Case, path: str, moment: str,
) -> None:
    payload: Any = json.loads(json.dumps(case.close))
    *parents, last = path.split(".")
    target = payload
    for part in parents:
        target = target[part]
    target[last] = moment
    async with unchanged(database_url):
        response = await post(client, case, payload, clock)
        assert response.status == 400, await response.text()
        assert set((await response.json())["fields"]) == {path}


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
async def test_a_signed_signing_time_that_overflows_is_401(
    client: TestClient[Any, Any], database_url: str, clock: FakeClock, stamp: str
) -> None:
    case = CASES[0]
    raw = json.dumps(case.close).encode()
    source = signer(case, clock)
    proof = source.proof
    assert isinstance(proof, Signature) and proof.signing_time is not None
    # Signed correctly over the absurd time: only the time itself is wrong.
    signature = proof._signature(raw, SECRETS["zendesk"], stamp)
    headers = {proof.signing_time.header: stamp, proof.header: signature}
    async with unchanged(database_url):
        response = await post(client, case, case.close, clock, headers=headers)
        assert response.status == 401, await response.text()
        assert "unreadable" in (await response.json())["error"]


def case_of(source: str) -> Case:
    return next(case for case in CASES if case.source == source)


async def test_freshservice_simple_content_closes_and_reopens_like_our_body(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, clock: FakeClock
) -> None:
    case = case_of("freshservice")
    response = await post(client, case, payloads.freshservice_simple("Resolved"), clock)
    assert response.status == 202, await response.text()
    (conversation,) = await conversations(database_url)
    assert (conversation["source"], conversation["external_id"]) == ("freshservice", "INC-77")
    assert conversation["subject"] == "Screen flickers"
    await ratebot.worker.settle()
    reopened = await post(client, case, payloads.freshservice_simple("Open"), clock)
    assert reopened.status == 200, await reopened.text()
    assert (await reopened.json())["withdrawn"] is True
    bad = payloads.freshservice_simple(ticket_requester_email="")
    refused = await post(client, case, bad, clock)
    assert refused.status == 400
    assert "freshservice_webhook.ticket_requester_email" in (await refused.json())["fields"]


def unknown_count(ratebot: Ratebot, source: str, word: str) -> float:
    value = ratebot.metrics.registry.get_sample_value(
        "ratebot_webhook_unknown_statuses_total", {"source": source, "word": word}
    )
    return value or 0.0


async def test_a_localised_zendesk_solve_is_a_close(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, clock: FakeClock
) -> None:
    response = await post(client, case_of("zendesk"), payloads.zendesk("Opgelost"), clock)
    assert response.status == 202, await response.text()
    (conversation,) = await conversations(database_url)
    assert conversation["external_id"] == "1042"


async def test_an_unknown_zendesk_status_is_logged_once_and_counted(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    case = case_of("zendesk")
    caplog.set_level(logging.WARNING, logger="adapters.helpdesk.webhook")
    async with unchanged(database_url):
        for word in ("Erledigt", "ERLEDIGT", "Erledigt", "Bad\nword"):
            response = await post(client, case, payloads.zendesk(word), clock)
            assert response.status == 200
            assert (await response.json())["status"] == "ignored"
    warnings = [r.getMessage() for r in caplog.records if "status word" in r.getMessage()]
    assert len(warnings) == 2, warnings
    assert "'Erledigt'" in warnings[0]
    assert "Bad\\nword" in warnings[1] and "Bad\nword" not in warnings[1]
    assert unknown_count(ratebot, "zendesk", "erledigt") == 3
    assert unknown_count(ratebot, "zendesk", "bad\nword") == 1
    # The known ignorable "New" is neither logged nor counted.
    assert (await post(client, case, payloads.zendesk("New"), clock)).status == 200
    assert unknown_count(ratebot, "zendesk", "new") == 0
    metrics = await (await client.get("/metrics")).text()
    assert 'ratebot_webhook_unknown_statuses_total{source="zendesk",word="erledigt"} 3.0' in metrics
