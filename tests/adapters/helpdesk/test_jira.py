"""Jira: the `jira:issue_updated` webhook (signed) and the automation rule (shared secret)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.helpdesk.auth import TOKEN_HEADER, basic_auth, hex_hmac
from adapters.helpdesk.jira import SIGNATURE_HEADER, JiraWebhook
from adapters.helpdesk.source import Ignored, PayloadError
from bot.domain.events import ConversationClosed, ConversationReopened
from tests.adapters.helpdesk import payloads
from tests.adapters.helpdesk.payloads import body

SECRET = "jira-webhook-secret"
AT = datetime(2026, 11, 25, 9, 31, tzinfo=UTC)
JIRA_SENT_AT = datetime.fromtimestamp(1764063000, UTC)


def test_the_webhook_signature_is_sha256_hex_of_the_body() -> None:
    raw = body(payloads.jira_webhook())
    source = JiraWebhook(SECRET)
    assert source.verify({SIGNATURE_HEADER: "sha256=" + hex_hmac(SECRET, raw)}, raw).ok
    assert not source.verify({SIGNATURE_HEADER: "sha256=" + hex_hmac("x", raw)}, raw).ok
    # A signature header is never bypassed by also sending the token.
    forged = {SIGNATURE_HEADER: "sha256=00", TOKEN_HEADER: SECRET}
    assert not source.verify(forged, raw).ok


def test_the_automation_rule_sends_the_secret_as_a_header_or_basic_auth() -> None:
    raw = body(payloads.jira_automation())
    source = JiraWebhook(SECRET)
    assert source.verify({TOKEN_HEADER: SECRET}, raw).ok
    assert source.verify({"Authorization": basic_auth("ratebot", SECRET)}, raw).ok
    assert not source.verify({TOKEN_HEADER: SECRET + "x"}, raw).ok
    assert not source.verify({"Authorization": basic_auth("ratebot", "guess")}, raw).ok
    assert not source.verify({}, raw).ok


def test_without_a_secret_nothing_is_accepted() -> None:
    raw = body(payloads.jira_automation())
    assert not JiraWebhook(None).verify({TOKEN_HEADER: ""}, raw).ok
    assert not JiraWebhook("").configured


def test_a_move_into_a_done_status_is_a_close() -> None:
    event = JiraWebhook(SECRET).parse(body(payloads.jira_webhook()), received_at=AT)
    assert event == ConversationClosed(
        source="jira",
        ticket_id="ITSM-42",
        requester_email="jan@example.com",
        team="ITSM",
        closed_at=JIRA_SENT_AT,
        subject="VPN does not connect",
        agent_email="piet@example.com",
        agent_name="Piet Pieters",
        requester_name="Jan Jansen",
    )


def test_a_move_out_of_a_finished_status_is_a_reopen() -> None:
    payload = payloads.jira_webhook("In Progress", "indeterminate", from_status="Resolved")
    event = JiraWebhook(SECRET).parse(body(payload), received_at=AT)
    assert event == ConversationReopened("jira", "ITSM-42", JIRA_SENT_AT)


def test_a_move_between_open_statuses_is_ignored() -> None:
    payload = payloads.jira_webhook("Waiting for support", "indeterminate", from_status="Open")
    event = JiraWebhook(SECRET).parse(body(payload), received_at=AT)
    assert isinstance(event, Ignored)


def test_an_update_without_a_status_change_is_ignored() -> None:
    payload = payloads.jira_webhook()
    payload["changelog"]["items"] = [
        {"field": "priority", "fieldId": "priority", "fromString": "Low", "toString": "High"}
    ]
    event = JiraWebhook(SECRET).parse(body(payload), received_at=AT)
    assert event == Ignored("the update did not change the issue's status")


def test_a_declined_request_is_not_rated() -> None:
    event = JiraWebhook(SECRET).parse(body(payloads.jira_webhook("Declined")), received_at=AT)
    assert isinstance(event, Ignored)
    assert "Declined" in event.reason


def test_other_webhook_events_are_ignored() -> None:
    payload = {**payloads.jira_webhook(), "webhookEvent": "jira:issue_created"}
    assert isinstance(JiraWebhook(SECRET).parse(body(payload), received_at=AT), Ignored)


def test_a_hidden_reporter_email_is_named() -> None:
    payload = payloads.jira_webhook()
    del payload["issue"]["fields"]["reporter"]["emailAddress"]
    with pytest.raises(PayloadError) as caught:
        JiraWebhook(SECRET).parse(body(payload), received_at=AT)
    assert caught.value.fields == {"issue.fields.reporter.emailAddress": "required"}


def test_the_automation_body_closes_with_its_group() -> None:
    event = JiraWebhook(SECRET).parse(body(payloads.jira_automation()), received_at=AT)
    assert isinstance(event, ConversationClosed)
    assert (event.ticket_id, event.team, event.requester_email) == (
        "ITSM-43", "ITSM", "jan@example.com",
    )
    assert event.closed_at == AT


def test_the_automation_body_reopens_and_ignores() -> None:
    source = JiraWebhook(SECRET)
    reopened = payloads.jira_automation("In Progress", "indeterminate", previous_status="Done")
    assert source.parse(body(reopened), received_at=AT) == ConversationReopened(
        "jira", "ITSM-43", AT
    )
    explicit = payloads.jira_automation("Open", "new", previous_status="", event="reopened")
    assert isinstance(source.parse(body(explicit), received_at=AT), ConversationReopened)
    moved = payloads.jira_automation("In Progress", "indeterminate", previous_status="Open")
    assert isinstance(source.parse(body(moved), received_at=AT), Ignored)


def test_the_automation_body_names_missing_fields() -> None:
    with pytest.raises(PayloadError) as caught:
        JiraWebhook(SECRET).parse(body({"status": "Done"}), received_at=AT)
    assert caught.value.fields == {"issue_key": "required", "status_category": "required"}
