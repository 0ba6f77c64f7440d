"""`POST /webhooks/generic` over real HTTP into a real store: every answer, nothing half-written."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from adapters.helpdesk.generic import sign
from app.bootstrap import Ratebot
from bot.domain.identity import PersonIdentity
from tests.e2e.support import (
    ADMIN,
    CLOSE,
    SECRET,
    generic_ratebot,
    running,
    served,
    snapshot,
    unchanged,
    webhook_count,
)
from tests.fakes.clock import FakeClock


def prompt_count(ratebot: Ratebot, status: str, reason: str) -> float:
    value = ratebot.metrics.registry.get_sample_value(
        "ratebot_prompts_total", {"status": status, "reason": reason}
    )
    return value or 0.0


@pytest.fixture
async def ratebot(database_url: str, clock: FakeClock) -> AsyncIterator[Ratebot]:
    async with running(generic_ratebot(database_url, clock)) as ratebot:
        yield ratebot


async def post(
    client: TestClient[Any, Any],
    payload: Any = CLOSE,
    *,
    secret: str | None = SECRET,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> ClientResponse:
    body = raw if raw is not None else json.dumps(payload).encode()
    sent = {"Content-Type": "application/json"}
    if secret is not None:
        sent["X-Ratebot-Signature"] = sign(body, secret)
    sent.update(headers or {})
    return await client.post("/webhooks/generic", data=body, headers=sent)


# ---------------------------------------------------------------- success


async def test_a_202_means_the_close_is_stored_and_the_worker_decides_moments_later(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str
) -> None:
    response = await post(client)
    assert response.status == 202
    assert await response.json() == {"status": "accepted"}
    # Durable before the answer: another connection sees the close, not yet decided.
    rows = await snapshot(database_url)
    (conversation,) = rows["conversations"]
    assert (conversation["external_id"], conversation["state"]) == ("INC-1042", "closed")
    assert conversation["pending"] is not None
    assert rows["prompts"] == []
    assert webhook_count(ratebot, "generic", "accepted") == 1
    # The webhook woke the worker, which settles it.
    assert await ratebot.services.wakeup.wait(0)
    assert await ratebot.worker.settle() == 1
    rows = await snapshot(database_url)
    (prompt,) = rows["prompts"]
    assert (prompt["status"], prompt["reason"]) == ("pending", None)
    assert rows["conversations"][0]["pending"] is None
    assert prompt_count(ratebot, "pending", "") == 1


async def test_the_same_close_again_answers_duplicate_and_creates_nothing(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str
) -> None:
    assert (await post(client)).status == 202
    for settled in (False, True):  # before and after the worker has decided
        if settled:
            await ratebot.worker.settle()
        async with unchanged(database_url):
            response = await post(client)
            assert response.status == 200
            assert await response.json() == {"status": "duplicate"}
    assert webhook_count(ratebot, "generic", "duplicate") == 2


async def test_a_close_that_will_not_ask_is_decided_as_skipped_with_its_reason(
    client: TestClient[Any, Any], ratebot: Ratebot, clock: FakeClock, database_url: str
) -> None:
    await ratebot.services.store.add_agent(
        "servicedesk", PersonIdentity(email="piet@example.com"), actor=ADMIN, at=clock.now()
    )
    response = await post(client, {**CLOSE, "requester_email": "piet@example.com", "agent": None})
    assert response.status == 202
    assert await response.json() == {"status": "accepted"}
    await ratebot.worker.run_once()
    (prompt,) = (await snapshot(database_url))["prompts"]
    assert (prompt["status"], prompt["reason"]) == ("skipped", "is_agent")
    assert prompt_count(ratebot, "skipped", "is_agent") == 1


async def test_a_reopen_withdraws_the_pending_prompt(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str
) -> None:
    assert (await post(client)).status == 202
    await ratebot.worker.settle()
    response = await post(client, {"event": "reopened", "ticket_id": "INC-1042"})
    assert response.status == 200
    assert await response.json() == {"status": "reopened", "found": True, "withdrawn": True}
    (prompt,) = (await snapshot(database_url))["prompts"]
    assert (prompt["status"], prompt["reason"]) == ("skipped", "reopened")
    assert webhook_count(ratebot, "generic", "reopened") == 1


async def test_a_reopen_before_the_worker_decided_records_the_decision_then_withdraws_it(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str
) -> None:
    assert (await post(client)).status == 202
    response = await post(client, {"event": "reopened", "ticket_id": "INC-1042"})
    assert await response.json() == {"status": "reopened", "found": True, "withdrawn": True}
    rows = await snapshot(database_url)
    (prompt,) = rows["prompts"]
    assert (prompt["status"], prompt["reason"]) == ("skipped", "reopened")
    assert rows["conversations"][0]["pending"] is None
    assert prompt_count(ratebot, "pending", "") == 1  # it was decided: asked
    assert prompt_count(ratebot, "skipped", "reopened") == 1
    assert await ratebot.worker.settle() == 0
    # Closed again: a new round, accepted and decided again.
    assert (await post(client)).status == 202
    assert await ratebot.worker.settle() == 1
    assert [p["round"] for p in (await snapshot(database_url))["prompts"]] == [1, 2]


async def test_a_reopen_of_an_unknown_ticket_says_so(client: TestClient[Any, Any]) -> None:
    response = await post(client, {"event": "reopened", "ticket_id": "never-seen"})
    assert response.status == 200
    assert await response.json() == {"status": "reopened", "found": False, "withdrawn": False}


# ---------------------------------------------------------------- refusals write nothing


async def assert_refused(
    client: TestClient[Any, Any],
    ratebot: Ratebot,
    database_url: str,
    status: int,
    outcome: str,
    **request: Any,
) -> dict[str, Any]:
    async with unchanged(database_url):
        response = await post(client, **request)
        assert response.status == status, await response.text()
        assert response.content_type == "application/json"
        body: dict[str, Any] = await response.json()
    assert webhook_count(ratebot, "generic", outcome) == 1
    assert webhook_count(ratebot, "generic", "accepted") == 0
    return body


async def test_a_missing_signature_is_401(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str
) -> None:
    body = await assert_refused(client, ratebot, database_url, 401, "unauthorized", secret=None)
    assert body == {"error": "missing X-Ratebot-Signature header"}


async def test_a_wrong_signature_is_401(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str
) -> None:
    body = await assert_refused(
        client, ratebot, database_url, 401, "unauthorized", secret="not-the-secret"
    )
    assert body == {"error": "X-Ratebot-Signature does not match the body"}


async def test_a_signature_over_other_bytes_is_401(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str
) -> None:
    signed_for = json.dumps({**CLOSE, "team": "other"}).encode()
    await assert_refused(
        client, ratebot, database_url, 401, "unauthorized", secret=None,
        headers={"X-Ratebot-Signature": sign(signed_for, SECRET)},
    )


async def test_without_a_configured_secret_every_request_is_403(
    database_url: str, clock: FakeClock
) -> None:
    async with running(generic_ratebot(database_url, clock, secret=None)) as ratebot:
        async with served(ratebot) as client:
            for secret in (None, "", "anything"):
                async with unchanged(database_url):
                    response = await post(client, secret=secret)
                    assert response.status == 403
                    assert "RATEBOT_WEBHOOK_SECRET" in (await response.json())["error"]
        assert webhook_count(ratebot, "generic", "unauthorized") == 3


async def test_a_body_over_64_kib_is_413(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str
) -> None:
    big = json.dumps({**CLOSE, "padding": "x" * 65_536}).encode()
    body = await assert_refused(client, ratebot, database_url, 413, "too_large", raw=big)
    assert body == {"error": "body larger than 65536 bytes"}


async def test_the_size_limit_holds_without_a_content_length(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str
) -> None:
    big = json.dumps({**CLOSE, "padding": "x" * 100_000}).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 8192):
            yield big[start : start + 8192]

    async with unchanged(database_url):
        response = await client.post(
            "/webhooks/generic",
            data=chunks(),
            headers={"X-Ratebot-Signature": sign(big, SECRET), "Content-Type": "application/json"},
        )
        assert response.status == 413


async def test_a_body_of_exactly_64_kib_is_read(client: TestClient[Any, Any]) -> None:
    base = json.dumps({**CLOSE, "padding": ""}).encode()
    exact = json.dumps({**CLOSE, "padding": "x" * (65_536 - len(base))}).encode()
    assert len(exact) == 65_536
    assert (await post(client, raw=exact)).status == 202


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe", b"[1, 2]", b"null"])
async def test_a_body_that_is_not_a_json_object_is_400(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, raw: bytes
) -> None:
    body = await assert_refused(client, ratebot, database_url, 400, "invalid", raw=raw)
    assert body["error"] in ("body is not valid JSON", "body must be a JSON object")
    assert "fields" not in body


async def test_invalid_fields_are_400_naming_every_one(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str
) -> None:
    payload = {
        "ticket_id": "",
        "requester_email": "jan-at-example.com",
        "agent": "piet@",
        "closed_at": "2026-11-24T09:30:00",
        "subject": "s" * 501,
    }
    body = await assert_refused(
        client, ratebot, database_url, 400, "invalid", payload=payload
    )
    assert body["error"] == "invalid payload"
    assert set(body["fields"]) == {
        "ticket_id", "requester_email", "agent", "closed_at", "subject", "team",
    }
    assert body["fields"]["team"] == "required"
    assert body["fields"]["requester_email"] == "not a valid email address"


async def test_an_unknown_team_is_422_with_the_cores_message(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str
) -> None:
    body = await assert_refused(
        client, ratebot, database_url, 422, "unknown_team",
        payload={**CLOSE, "team": "facilities"},
    )
    assert body == {
        "error": "There is no team called 'facilities'. Add it first with `team add facilities`."
    }


async def test_an_unexpected_error_while_accepting_is_500_logged_without_personal_data(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str,
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def failing_accept(closes: Any) -> list[bool]:
        # The message carries personal data, as a database error quoting its parameters would.
        raise RuntimeError(f"could not store the close of {closes[0][0].requester_email}")

    monkeypatch.setattr(ratebot.services.store, "accept_closes", failing_accept)
    caplog.set_level(logging.ERROR, logger="adapters.helpdesk.webhook")
    body = await assert_refused(
        client, ratebot, database_url, 500, "error",
        payload={**CLOSE, "requester_name": "Jan Jansen"},
    )
    assert body == {"error": "internal error"}
    (record,) = [r for r in caplog.records if r.name == "adapters.helpdesk.webhook"]
    logged = record.getMessage()
    assert "webhook generic failed" in logged
    assert "RuntimeError" in logged and "INC-1042" in logged
    assert "jan@example.com" not in logged and "Jan Jansen" not in logged
    assert "Printer" not in logged
    assert record.exc_info is None  # a traceback would print the message


class ExplodingRandom(random.Random):
    """Fails the sampling roll, which runs while the worker settles a close.

    The message carries personal data, as a database error quoting its parameters would.
    """

    def __init__(self, leaked: str) -> None:
        super().__init__()
        self.leaked = leaked

    def random(self) -> float:
        raise RuntimeError(f"sampling broke while asking {self.leaked}")


async def test_a_close_that_cannot_be_settled_is_retried_then_failed_never_blocking_others(
    database_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    exploding = ExplodingRandom(CLOSE["requester_email"])
    async with running(generic_ratebot(database_url, clock, rng=exploding)) as ratebot:
        store = ratebot.services.store
        await store.add_team("infra", display_name="Infra", actor=ADMIN, at=clock.now())
        # Sampling makes settling consult the rng, after it has written the people.
        await store.update_team("infra", {"sample_percent": 50}, actor=ADMIN, at=clock.now())
        async with served(ratebot) as client:
            poison = {**CLOSE, "team": "infra", "requester_name": "Jan Jansen"}
            assert (await post(client, poison)).status == 202
            other = {**CLOSE, "ticket_id": "INC-2000", "requester_email": "kim@example.com"}
            assert (await post(client, other)).status == 202
        caplog.set_level(logging.ERROR, logger="bot.flows.delivery")
        for _ in range(5):
            await ratebot.worker.run_once()
            clock.advance(minutes=10)  # past the back-off
        rows = await snapshot(database_url)
    by_ticket = {c["id"]: c["external_id"] for c in rows["conversations"]}
    decided = {by_ticket[p["conversation_id"]]: (p["status"], p["reason"]) for p in rows["prompts"]}
    assert decided == {
        "INC-1042": ("failed", "could not be processed"),
        # Decided at once, then waiting for a chat platform (none is configured here).
        "INC-2000": ("pending", None),
    }
    assert all(c["pending"] is None for c in rows["conversations"])
    # The poison's requester was rolled back with it; the other close's people are stored.
    assert [p["email"] for p in rows["people"]] == ["kim@example.com", "piet@example.com"]
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.flows.delivery"]
    assert len(logged) == 5
    assert "ticket INC-1042, attempt 1, retried later" in logged[0]
    assert "attempt 5, given up, stored as failed" in logged[-1]
    for message in logged:
        assert "RuntimeError" in message and "message withheld" in message
        assert "jan@example.com" not in message and "Jan Jansen" not in message
        assert "Printer" not in message
    assert all(r.exc_info is None for r in caplog.records if r.name == "bot.flows.delivery")


# ---------------------------------------------------------------- hostile text and times

NUL = "contains a NUL character, which cannot be stored"
SURROGATE = (
    "contains an unpaired surrogate (U+D800), which is not valid Unicode and cannot be stored"
)
TEXT_FIELDS = [
    "ticket_id", "requester_email", "agent", "team", "subject", "requester_name", "agent_name",
]


def poisoned(field: str, bad: str) -> dict[str, Any]:
    value = str({**CLOSE, "requester_name": "Jan Jansen", "agent_name": "Piet"}[field])
    return {**CLOSE, field: value[:1] + bad + value[1:]}


@pytest.mark.parametrize("field", TEXT_FIELDS)
async def test_text_the_database_cannot_store_is_400_naming_the_field(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, field: str
) -> None:
    async with unchanged(database_url):
        for bad, reason in (("\x00", NUL), ("\ud800", SURROGATE)):
            response = await post(client, poisoned(field, bad))
            assert response.status == 400, await response.text()
            body = await response.json()
            assert body == {"error": f"{field}: {reason}", "fields": {field: reason}}
    assert webhook_count(ratebot, "generic", "invalid") == 2
    # Nothing was left behind to poison the worker: the next close is stored and decided.
    assert (await post(client)).status == 202
    assert await ratebot.worker.settle() == 1


async def test_a_nul_in_a_reopen_or_an_unused_field_is_400_too(
    client: TestClient[Any, Any], database_url: str
) -> None:
    async with unchanged(database_url):
        reopen = await post(client, {"event": "reopened", "ticket_id": "INC\x00-1042"})
        assert reopen.status == 400
        assert (await reopen.json())["fields"] == {"ticket_id": NUL}
        extra = await post(client, {**CLOSE, "custom": {"notes": ["fine", "bad\x00"]}})
        assert extra.status == 400
        assert (await extra.json())["fields"] == {"custom.notes.1": NUL}


@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"]
)
async def test_a_time_that_overflows_in_utc_is_400_naming_the_field(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, moment: str
) -> None:
    async with unchanged(database_url):
        close = await post(client, {**CLOSE, "closed_at": moment})
        assert close.status == 400, await close.text()
        assert set((await close.json())["fields"]) == {"closed_at"}
        reopen = await post(client, {"event": "reopened", "ticket_id": "X", "reopened_at": moment})
        assert reopen.status == 400, await reopen.text()
        assert set((await reopen.json())["fields"]) == {"reopened_at"}
    assert webhook_count(ratebot, "generic", "invalid") == 2


async def test_a_failing_webhook_logs_its_ticket_id_escaped_and_cut_short(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str,
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def failing_accept(closes: Any) -> list[bool]:
        raise RuntimeError("the store broke")

    monkeypatch.setattr(ratebot.services.store, "accept_closes", failing_accept)
    caplog.set_level(logging.ERROR, logger="adapters.helpdesk.webhook")
    # A forged log line after a newline, a terminal escape, and far too much of it.
    ticket = "INC-1\n2026-11-24 ERROR forged: all is lost \x1b[2J" + "x" * 190
    response = await post(client, {**CLOSE, "ticket_id": ticket[:200]})
    assert response.status == 500
    (record,) = [r for r in caplog.records if r.name == "adapters.helpdesk.webhook"]
    first_line = record.getMessage().splitlines()[0]
    assert "ticket INC-1\\n2026-11-24 ERROR forged: all is lost \\x1b[2J" in first_line
    assert "\x1b" not in record.getMessage()
    assert "x" * 100 not in first_line and "…" in first_line
    assert "RuntimeError" in first_line


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
async def test_a_time_at_the_edge_of_the_calendar_is_stored_and_settled(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str,
    caplog: pytest.LogCaptureFixture, moment: str,
) -> None:
    response = await post(client, {**CLOSE, "closed_at": moment})
    assert response.status == 202, await response.text()
    assert await ratebot.worker.settle() == 1
    (conversation,) = (await snapshot(database_url))["conversations"]
    assert conversation["closed_at"].isoformat().startswith(moment[:19])
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
