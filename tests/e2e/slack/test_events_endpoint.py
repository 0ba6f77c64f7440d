"""`POST /slack/events` through the real slack-bolt: signatures, URL check, de-duplication."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from pathlib import Path

import pytest

from tests.e2e.slack.harness import SIGNING_SECRET, SlackDriver, sign
from tests.e2e.support import unchanged
from tests.fakes.slack_api import FakeSlackApi

FIXTURES = Path("/work/shared/fixtures")


def fixture(name: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((FIXTURES / name).read_text())
    return loaded


async def test_url_verification_answers_the_challenge(slack: SlackDriver) -> None:
    payload = fixture("slack_url_verification.json")
    response = await slack.event(payload)
    assert response.status == 200
    assert (await response.json())["challenge"] == payload["challenge"]


async def test_a_forged_signature_is_refused(slack: SlackDriver, slack_api: FakeSlackApi) -> None:
    body = json.dumps(fixture("slack_app_home_opened.json")).encode()
    headers = sign(body, secret="not-the-secret")
    response = await slack.post(body, "application/json", headers=headers, signed=False)
    assert response.status == 401
    assert slack_api.calls == []


async def test_a_stale_signature_is_refused(slack: SlackDriver, slack_api: FakeSlackApi) -> None:
    body = json.dumps(fixture("slack_app_home_opened.json")).encode()
    headers = sign(body, timestamp=int(time.time()) - 6 * 60)
    response = await slack.post(body, "application/json", headers=headers, signed=False)
    assert response.status == 401
    assert slack_api.calls == []


async def test_an_unsigned_request_is_refused(slack: SlackDriver, slack_api: FakeSlackApi) -> None:
    response = await slack.event(fixture("slack_app_home_opened.json"), signed=False)
    assert response.status == 401
    assert slack_api.calls == []


async def test_a_retried_event_is_handled_once(slack: SlackDriver, slack_api: FakeSlackApi) -> None:
    payload = fixture("slack_app_home_opened.json")
    slack_api.add_user("U111", "u111@example.com", "Someone")
    first = await slack.event(payload)
    await slack_api.wait_for("views.publish")
    retry = await slack.event(payload, headers={"X-Slack-Retry-Num": "1",
                                                "X-Slack-Retry-Reason": "http_timeout"})
    assert (first.status, retry.status) == (200, 200)
    # A different event afterwards is handled: by the time it is, the retry would have been.
    await slack.event({**payload, "event_id": "Ev222"})
    await slack_api.wait_for("views.publish", 2)
    assert len(slack_api.called("views.publish")) == 2


# ---------------------------------------------------------------- garbage at the door

GARBAGE = [
    pytest.param(b"{not json", "application/json", id="not-json"),
    pytest.param(b"[]", "application/json", id="a-list"),
    pytest.param(b"null", "application/json", id="null"),
    pytest.param(b'{"type": "event_callback", "x": "\xff\xfe"}', "application/json",
                 id="invalid-utf8"),
    pytest.param(b"payload=%7B", "application/x-www-form-urlencoded", id="form-broken-json"),
    pytest.param(b"payload=%5B1%5D", "application/x-www-form-urlencoded", id="form-json-list"),
    pytest.param(b'{"type": "event_callback", "enterprise": 5}', "application/json",
                 id="wrong-types"),
]


@pytest.mark.parametrize(("body", "content_type"), GARBAGE)
async def test_garbage_without_a_valid_signature_is_401_before_it_is_read(
    slack: SlackDriver, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture,
    body: bytes, content_type: str,
) -> None:
    for headers in ({}, sign(body, secret="not-the-secret")):
        response = await slack.post(body, content_type, headers=headers, signed=False)
        assert response.status == 401
        assert await response.json() == {"error": "invalid request"}
    assert slack_api.calls == []
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize(("body", "content_type"), GARBAGE)
async def test_a_signed_body_that_cannot_be_read_is_400_with_one_log_line(
    slack: SlackDriver, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture,
    body: bytes, content_type: str,
) -> None:
    caplog.set_level(logging.INFO)
    response = await slack.post(body, content_type)
    assert response.status == 400
    assert (await response.json())["error"]
    assert slack_api.calls == []
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    (line,) = [r for r in caplog.records if r.name == "adapters.slack.app"]
    assert "\n" not in line.getMessage()


@pytest.mark.parametrize("stamp", ["", "soon", "1e9", "-5", "12 34", "１２３"])
async def test_a_signature_over_a_timestamp_that_is_not_a_number_is_401(
    slack: SlackDriver, slack_api: FakeSlackApi, stamp: str
) -> None:
    body = json.dumps(fixture("slack_app_home_opened.json")).encode()
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}
    response = await slack.post(body, "application/json", headers=headers, signed=False)
    assert response.status == 401
    assert slack_api.calls == []


@pytest.mark.parametrize("bad", ["\x00", "\ud800"])
async def test_a_signed_event_with_text_the_database_cannot_store_is_400_naming_it(
    slack: SlackDriver, slack_api: FakeSlackApi, bad: str
) -> None:
    payload = fixture("slack_app_home_opened.json")
    payload["event"] = {**payload["event"], "user": "U1" + bad}  # type: ignore[dict-item]
    slack_api.add_user("U111", "u111@example.com", "Someone")
    response = await slack.event(payload)
    assert response.status == 400
    assert (await response.json())["error"].startswith("event.user: contains ")
    assert slack_api.calls == []


@pytest.mark.parametrize(("change", "named"), [
    ({"event": []}, "event: must be an object"),
    ({"event": {"type": "app_home_opened", "user": ["U111"], "tab": "home"}},
     "event.user: must be text or an object"),
    ({"authorizations": [5]}, "authorizations.0: must be an object"),
    ({"type": ["event_callback"]}, "type: must be text"),
    ({"event": {"type": "app_home_opened", "user": "U" * 65, "tab": "home"}},
     "event.user: longer than 64 characters"),
])
async def test_a_signed_event_bolt_could_not_read_is_400_naming_the_field(
    slack: SlackDriver, slack_api: FakeSlackApi, database_url: str,
    caplog: pytest.LogCaptureFixture, change: dict[str, object], named: str,
) -> None:
    payload = {**fixture("slack_app_home_opened.json"), **change}
    async with unchanged(database_url):
        response = await slack.event(payload)
        assert response.status == 400
        assert (await response.json())["error"] == named
    assert slack_api.calls == []
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize(("payload", "named"), [
    ({"type": "block_actions", "user": {"id": "U111"}, "actions": []},
     "actions: a block action needs at least one action"),
    ({"type": "block_actions", "user": {"id": "U111"}, "actions": [{"value": "1"}]},
     "actions.0.action_id: required"),
    ({"type": "view_submission", "user": {"id": "U111"}, "view": {"callback_id": "x"}},
     "view.type: required"),
    ({"type": "view_submission", "user": {"id": "U111"},
      "view": {"type": "modal", "callback_id": "x", "state": {"values": {"b": "x"}}}},
     "view.state.values.b: must be an object"),
])
async def test_a_signed_interaction_bolt_could_not_read_is_400_naming_the_field(
    slack: SlackDriver, slack_api: FakeSlackApi, database_url: str,
    caplog: pytest.LogCaptureFixture, payload: dict[str, object], named: str,
) -> None:
    async with unchanged(database_url):
        response = await slack.interaction(payload)
        assert response.status == 400
        assert (await response.json())["error"] == named
    assert slack_api.calls == []
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_an_event_no_listener_takes_is_404_and_not_remembered(
    slack: SlackDriver, database_url: str
) -> None:
    payload = fixture("slack_app_home_opened.json")
    payload["event"] = {"type": "team_join", "user": {"id": "U9"}}  # type: ignore[assignment]
    async with unchanged(database_url):
        response = await slack.event(payload)
        assert response.status == 404


async def test_a_home_opened_without_a_user_is_acknowledged_and_ignored(
    slack: SlackDriver, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    payload = fixture("slack_app_home_opened.json")
    payload["event"] = {"type": "app_home_opened", "tab": "home"}  # type: ignore[assignment]
    response = await slack.event(payload)
    assert response.status == 200
    assert slack_api.called("views.publish") == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_slacks_certificate_check_is_answered_unsigned_as_bolt_answers_it(
    slack: SlackDriver, slack_api: FakeSlackApi, database_url: str
) -> None:
    async with unchanged(database_url):
        response = await slack.post(b"ssl_check=1&token=legacy",
                                    "application/x-www-form-urlencoded", signed=False)
        assert response.status == 200
        assert await response.read() == b""
    assert slack_api.calls == []
