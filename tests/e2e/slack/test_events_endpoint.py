"""`POST /slack/events` through the real slack-bolt: signatures, URL check, de-duplication."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.e2e.slack.harness import SlackDriver, sign
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
