"""Zammad: `X-Hub-Signature: sha1=<hex>` and its default webhook payload."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from adapters.helpdesk.source import Ignored, PayloadError
from adapters.helpdesk.zammad import SIGNATURE_HEADER, ZammadWebhook
from bot.domain.events import ConversationClosed, ConversationReopened
from tests.adapters.helpdesk import payloads
from tests.adapters.helpdesk.payloads import body

SECRET = "zammad-hmac-token"
AT = datetime(2026, 11, 25, 9, 31, tzinfo=UTC)


def test_the_hmac_sha1_signature_is_checked() -> None:
    raw = body(payloads.zammad())
    digest = hmac.new(SECRET.encode(), raw, hashlib.sha1).hexdigest()
    source = ZammadWebhook(SECRET)
    assert source.verify({SIGNATURE_HEADER: f"sha1={digest}"}, raw).ok
    assert source.verify({SIGNATURE_HEADER: f"sha1={digest.upper()}"}, raw).ok
    assert not source.verify({SIGNATURE_HEADER: f"sha1={digest}"}, raw + b"\n").ok
    assert not source.verify({SIGNATURE_HEADER: digest}, raw).ok
    assert not source.verify({}, raw).ok
    assert not ZammadWebhook(None).verify({SIGNATURE_HEADER: f"sha1={digest}"}, raw).ok


def test_closed_is_a_close_with_the_owner_as_agent() -> None:
    event = ZammadWebhook(SECRET).parse(body(payloads.zammad()), received_at=AT)
    assert event == ConversationClosed(
        source="zammad",
        ticket_id="10081",
        requester_email="emily@example.com",
        team="Service Desk",
        closed_at=datetime(2020, 11, 13, 14, 40, tzinfo=UTC),
        subject="Webhook-Test",
        agent_email="emma@chrispresso.com",
        agent_name="Emma Taylor",
        requester_name="Emily Adams",
    )


def test_without_an_owner_the_agent_who_wrote_last_is_the_agent() -> None:
    event = ZammadWebhook(SECRET).parse(body(payloads.zammad(owner=False)), received_at=AT)
    assert isinstance(event, ConversationClosed)
    assert (event.agent_email, event.agent_name) == ("chris@chrispresso.com", "Christopher Miller")


def test_open_again_is_a_reopen() -> None:
    event = ZammadWebhook(SECRET).parse(body(payloads.zammad("open")), received_at=AT)
    assert event == ConversationReopened("zammad", "10081", AT)


@pytest.mark.parametrize("state", ["new", "merged", "pending close"])
def test_other_states_are_ignored(state: str) -> None:
    event = ZammadWebhook(SECRET).parse(body(payloads.zammad(state)), received_at=AT)
    assert isinstance(event, Ignored)


def test_a_missing_customer_email_is_named() -> None:
    payload = payloads.zammad()
    payload["ticket"]["customer"]["email"] = ""
    with pytest.raises(PayloadError) as caught:
        ZammadWebhook(SECRET).parse(body(payload), received_at=AT)
    assert caught.value.fields == {"ticket.customer.email": "required"}
