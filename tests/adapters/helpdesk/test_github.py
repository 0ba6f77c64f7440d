"""GitHub: `X-Hub-Signature-256` and `issues` events; the requester's email from the form."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from adapters.helpdesk.github import SIGNATURE_HEADER, GitHubWebhook, requester_email
from adapters.helpdesk.source import Ignored
from bot.domain.events import ConversationClosed, ConversationReopened
from tests.adapters.helpdesk import payloads
from tests.adapters.helpdesk.payloads import body

SECRET = "It's a Secret to Everybody"
AT = datetime(2026, 11, 25, 9, 31, tzinfo=UTC)


def test_githubs_documented_test_vector_verifies() -> None:
    # The example in GitHub's "Validating webhook deliveries" documentation.
    raw = b"Hello, World!"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert GitHubWebhook(SECRET).verify({SIGNATURE_HEADER: expected}, raw).ok


def test_a_wrong_or_missing_signature_is_refused() -> None:
    raw = body(payloads.github())
    source = GitHubWebhook(SECRET)
    good = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert source.verify({SIGNATURE_HEADER: good}, raw).ok
    assert not source.verify({SIGNATURE_HEADER: good}, raw[:-1]).ok
    assert not source.verify({"X-Hub-Signature": good}, raw).ok
    assert not GitHubWebhook(None).verify({SIGNATURE_HEADER: good}, raw).ok


def test_closed_as_completed_is_a_close_per_repository() -> None:
    event = GitHubWebhook(SECRET).parse(body(payloads.github()), received_at=AT)
    assert event == ConversationClosed(
        source="github",
        ticket_id="acme/it-requests#17",
        requester_email="jan@example.com",
        team="acme/it-requests",
        closed_at=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
        subject="Access to the finance share",
        agent_name="piet-ops",
        requester_name="jan-dev",
    )


def test_reopened_is_a_reopen() -> None:
    event = GitHubWebhook(SECRET).parse(body(payloads.github("reopened")), received_at=AT)
    assert event == ConversationReopened("github", "acme/it-requests#17", AT)


@pytest.mark.parametrize(
    "payload",
    [
        payloads.github("labeled"),
        payloads.github("closed", state_reason="not_planned"),
        {"zen": "Keep it logically awesome.", "hook_id": 1, "hook": {}},
        {**payloads.github("created"), "comment": {"id": 1, "body": "thanks"}},
    ],
    ids=["labeled", "not-planned", "ping", "comment"],
)
def test_other_events_are_ignored(payload: object) -> None:
    assert isinstance(GitHubWebhook(SECRET).parse(body(payload), received_at=AT), Ignored)


def test_an_issue_without_a_requester_email_is_ignored_with_the_reason() -> None:
    payload = payloads.github()
    payload["issue"]["body"] = "Please fix the printer."
    event = GitHubWebhook(SECRET).parse(body(payload), received_at=AT)
    assert isinstance(event, Ignored)
    assert "Email" in event.reason


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("### Email\n\nJan@Example.com\n\n### Details\n\nx", "jan@example.com"),
        ("Requester: jan@example.com", "jan@example.com"),
        ("**Email:** <jan@example.com>", "jan@example.com"),
        ("### Email\n\n_No response_", None),
        ("Contact me at jan@example.com", None),
    ],
)
def test_the_requester_email_is_read_from_the_form_or_a_labelled_line(
    text: str, found: str | None
) -> None:
    assert requester_email(text) == found
