"""GLPI: hex HMAC-SHA256 of body + timestamp, the replay window, its default payload."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from adapters.helpdesk.glpi import SIGNATURE_HEADER, TIMESTAMP_HEADER, GlpiWebhook
from adapters.helpdesk.source import Ignored, PayloadError
from bot.events import ConversationClosed, ConversationReopened
from tests.adapters.helpdesk import payloads
from tests.adapters.helpdesk.payloads import body
from tests.fakes.clock import FakeClock

SECRET = "glpi-webhook-secret-0123456789abcdefghij"
AT = datetime(2026, 11, 25, 9, 31, tzinfo=UTC)


def glpi_headers(raw: bytes, when: datetime) -> dict[str, str]:
    # As GLPI's Webhook::raise() does: hash_hmac('sha256', $body . $timestamp, $secret).
    stamp = str(int(when.timestamp()))
    digest = hmac.new(SECRET.encode(), raw + stamp.encode(), hashlib.sha256).hexdigest()
    return {SIGNATURE_HEADER: digest, TIMESTAMP_HEADER: stamp}


def test_a_fresh_glpi_signature_is_accepted(clock: FakeClock) -> None:
    raw = body(payloads.glpi())
    assert GlpiWebhook(SECRET, clock=clock).verify(glpi_headers(raw, clock.now()), raw).ok


def test_a_signature_over_other_bytes_is_refused(clock: FakeClock) -> None:
    source = GlpiWebhook(SECRET, clock=clock)
    raw = body(payloads.glpi())
    headers = glpi_headers(raw, clock.now())
    assert not source.verify(headers, raw + b" ").ok
    later = {**headers, TIMESTAMP_HEADER: str(int(headers[TIMESTAMP_HEADER]) + 1)}
    assert not source.verify(later, raw).ok
    assert not source.verify({TIMESTAMP_HEADER: headers[TIMESTAMP_HEADER]}, raw).ok


def test_an_old_signature_is_refused_as_a_replay(clock: FakeClock) -> None:
    raw = body(payloads.glpi())
    headers = glpi_headers(raw, clock.now())
    clock.advance(minutes=5, seconds=1)
    verdict = GlpiWebhook(SECRET, clock=clock).verify(headers, raw)
    assert not verdict.ok
    assert "replay" in verdict.reason


def test_an_unreadable_timestamp_is_refused(clock: FakeClock) -> None:
    raw = body(payloads.glpi())
    stamp = "yesterday"
    digest = hmac.new(SECRET.encode(), raw + stamp.encode(), hashlib.sha256).hexdigest()
    verdict = GlpiWebhook(SECRET, clock=clock).verify(
        {SIGNATURE_HEADER: digest, TIMESTAMP_HEADER: stamp}, raw
    )
    assert not verdict.ok
    assert TIMESTAMP_HEADER in verdict.reason


def test_never_open_without_a_secret(clock: FakeClock) -> None:
    raw = body(payloads.glpi())
    assert not GlpiWebhook(None, clock=clock).verify(glpi_headers(raw, clock.now()), raw).ok


@pytest.mark.parametrize("status", [5, 6])
def test_solved_or_closed_is_a_close_with_the_assigned_group(status: int) -> None:
    event = GlpiWebhook(SECRET).parse(body(payloads.glpi(status)), received_at=AT)
    assert event == ConversationClosed(
        source="glpi",
        ticket_id="42",
        requester_email="jan@example.com",
        team="Service Desk",
        closed_at=AT,
        subject="Cannot print",
        agent_email="piet@example.com",
        agent_name="piet@example.com",
    )


def test_back_to_processing_is_a_reopen() -> None:
    event = GlpiWebhook(SECRET).parse(body(payloads.glpi(2)), received_at=AT)
    assert event == ConversationReopened("glpi", "42", AT)


def test_a_new_ticket_or_a_deletion_is_ignored() -> None:
    source = GlpiWebhook(SECRET)
    assert isinstance(source.parse(body(payloads.glpi(1)), received_at=AT), Ignored)
    deleted = {**payloads.glpi(), "event": "delete"}
    assert isinstance(source.parse(body(deleted), received_at=AT), Ignored)


def test_the_default_payload_without_an_email_says_how_to_add_it() -> None:
    with pytest.raises(PayloadError) as caught:
        GlpiWebhook(SECRET).parse(body(payloads.glpi(requester_email=None)), received_at=AT)
    assert "payload template" in caught.value.fields["requester_email"]


def test_a_requester_login_that_is_an_email_is_enough() -> None:
    payload = payloads.glpi(requester_email=None)
    payload["item"]["team"][0]["name"] = "Jan@Example.com"
    event = GlpiWebhook(SECRET).parse(body(payload), received_at=AT)
    assert isinstance(event, ConversationClosed)
    assert event.requester_email == "jan@example.com"
