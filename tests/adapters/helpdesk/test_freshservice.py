"""Freshservice: a workflow's webhook with our body, authenticated by the shared secret."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.helpdesk.auth import TOKEN_HEADER, basic_auth
from adapters.helpdesk.freshservice import FreshserviceWebhook
from adapters.helpdesk.source import Ignored, PayloadError
from bot.domain.events import ConversationClosed, ConversationReopened
from tests.adapters.helpdesk import payloads
from tests.adapters.helpdesk.payloads import body

SECRET = "freshservice-shared-secret"
AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def test_the_shared_secret_is_required_in_a_header_or_as_basic_auth() -> None:
    source = FreshserviceWebhook(SECRET)
    raw = body(payloads.freshservice())
    assert source.verify({TOKEN_HEADER: SECRET}, raw).ok
    assert source.verify({"Authorization": basic_auth("freshservice", SECRET)}, raw).ok
    refused = [
        {},
        {TOKEN_HEADER: "wrong"},
        {"Authorization": basic_auth("freshservice", "wrong")},
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": "Bearer " + SECRET},
    ]
    for headers in refused:
        assert not source.verify(headers, raw).ok, headers


def test_never_open_without_a_secret() -> None:
    verdict = FreshserviceWebhook(None).verify({TOKEN_HEADER: ""}, b"{}")
    assert not verdict.ok
    assert "RATEBOT_FRESHSERVICE_SECRET" in verdict.reason


@pytest.mark.parametrize("status", ["Resolved", "Closed", "4", "5"])
def test_resolved_and_closed_close(status: str) -> None:
    event = FreshserviceWebhook(SECRET).parse(body(payloads.freshservice(status)), received_at=AT)
    assert event == ConversationClosed(
        source="freshservice",
        ticket_id="INC-77",
        requester_email="jan@example.com",
        team="Hardware",
        closed_at=AT,
        subject="Screen flickers",
        agent_email="piet@example.com",
        agent_name="Piet Pieters",
        requester_name="Jan Jansen",
    )


def test_open_again_is_a_reopen_of_the_same_ticket() -> None:
    event = FreshserviceWebhook(SECRET).parse(body(payloads.freshservice("Open")), received_at=AT)
    assert event == ConversationReopened("freshservice", "INC-77", AT)


def test_a_custom_status_is_ignored() -> None:
    payload = payloads.freshservice("Awaiting vendor")
    event = FreshserviceWebhook(SECRET).parse(body(payload), received_at=AT)
    assert isinstance(event, Ignored)
    assert "Awaiting vendor" in event.reason


def test_bad_fields_are_named() -> None:
    payload = payloads.freshservice(requester_email="", subject=["not", "text"])
    with pytest.raises(PayloadError) as caught:
        FreshserviceWebhook(SECRET).parse(body(payload), received_at=AT)
    assert caught.value.fields == {"requester_email": "required", "subject": "must be text"}
    with pytest.raises(PayloadError):
        FreshserviceWebhook(SECRET).parse(b"[1, 2]", received_at=AT)


def test_the_simple_content_shape_means_what_our_body_means() -> None:
    source = FreshserviceWebhook(SECRET)
    for status in ("Resolved", "Closed", "4"):
        simple = source.parse(body(payloads.freshservice_simple(status)), received_at=AT)
        ours = source.parse(body(payloads.freshservice(status)), received_at=AT)
        assert simple == ours
        assert isinstance(simple, ConversationClosed)
    reopened = source.parse(body(payloads.freshservice_simple("Open")), received_at=AT)
    assert reopened == ConversationReopened("freshservice", "INC-77", AT)
    ignored = source.parse(body(payloads.freshservice_simple("Awaiting vendor")), received_at=AT)
    assert isinstance(ignored, Ignored)


def test_bad_fields_of_the_simple_shape_are_named_where_they_are() -> None:
    payload = payloads.freshservice_simple(ticket_requester_email="not-an-address")
    with pytest.raises(PayloadError) as caught:
        FreshserviceWebhook(SECRET).parse(body(payload), received_at=AT)
    assert caught.value.fields == {
        "freshservice_webhook.ticket_requester_email": "not a valid email address"
    }
    with pytest.raises(PayloadError) as caught:
        FreshserviceWebhook(SECRET).parse(body({"freshservice_webhook": {}}), received_at=AT)
    assert caught.value.fields == {
        "freshservice_webhook.ticket_id": "required",
        "freshservice_webhook.ticket_status": "required",
    }
