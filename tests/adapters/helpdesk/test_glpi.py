"""GLPI: hex HMAC-SHA256 of body + timestamp, the replay window, its default payload."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from adapters.helpdesk.glpi import SIGNATURE_HEADER, TIMESTAMP_HEADER, GlpiWebhook
from adapters.helpdesk.source import Ignored, PayloadError
from bot.domain.events import ConversationClosed, ConversationReopened
from tests.adapters.helpdesk import glpi_payloads, payloads
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


def test_glpis_own_retry_days_later_is_accepted(clock: FakeClock) -> None:
    # GLPI re-sends a queued webhook with the headers stored when the event was raised.
    raw = glpi_payloads.default_body(glpi_payloads.ticket())
    stored = glpi_payloads.headers(raw, SECRET, clock.now())
    clock.advance(hours=72)
    assert GlpiWebhook(SECRET, clock=clock).verify(stored, raw).ok


def test_a_signature_older_than_the_configured_window_is_refused_as_a_replay(
    clock: FakeClock,
) -> None:
    raw = glpi_payloads.default_body(glpi_payloads.ticket())
    stored = glpi_payloads.headers(raw, SECRET, clock.now())
    clock.advance(hours=168, seconds=1)
    verdict = GlpiWebhook(SECRET, clock=clock).verify(stored, raw)
    assert not verdict.ok and "replay" in verdict.reason
    clock.advance(hours=-166)
    short = GlpiWebhook(SECRET, clock=clock, max_age=timedelta(hours=1))
    verdict = short.verify(stored, raw)
    assert not verdict.ok and "1 hours" in verdict.reason


def test_a_signing_time_in_the_future_is_refused(clock: FakeClock) -> None:
    raw = glpi_payloads.default_body(glpi_payloads.ticket())
    ahead = glpi_payloads.headers(raw, SECRET, clock.now() + timedelta(minutes=6))
    verdict = GlpiWebhook(SECRET, clock=clock).verify(ahead, raw)
    assert not verdict.ok and TIMESTAMP_HEADER in verdict.reason


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


def test_the_old_payload_without_an_email_says_what_to_do() -> None:
    with pytest.raises(PayloadError) as caught:
        GlpiWebhook(SECRET).parse(body(payloads.glpi(requester_email=None)), received_at=AT)
    assert "docs/integrations/glpi.md" in caught.value.fields["requester_email"]


def test_glpis_default_payload_is_a_close_when_logins_are_email_addresses() -> None:
    raw = glpi_payloads.default_body(glpi_payloads.ticket(requester_login="Jan@Example.com"))
    assert GlpiWebhook(SECRET).parse(raw, received_at=AT) == ConversationClosed(
        source="glpi",
        ticket_id="42",
        requester_email="jan@example.com",
        team="Service Desk",
        closed_at=AT,
        subject="Cannot print",
        agent_email="piet@example.com",
        agent_name="Pieters Piet",
    )


def test_glpis_default_payload_without_email_logins_says_exactly_what_to_do() -> None:
    raw = glpi_payloads.default_body(glpi_payloads.ticket(requester_login="jan"))
    with pytest.raises(PayloadError) as caught:
        GlpiWebhook(SECRET).parse(raw, received_at=AT)
    reason = caught.value.fields["requester_email"]
    assert "login" in reason and "e-mail address" in reason
    assert "custom payload" in reason and "docs/integrations/glpi.md" in reason


def test_a_technician_without_an_email_login_is_still_named() -> None:
    raw = glpi_payloads.default_body(glpi_payloads.ticket(technician_login="piet"))
    event = GlpiWebhook(SECRET).parse(raw, received_at=AT)
    assert isinstance(event, ConversationClosed)
    assert (event.agent_email, event.agent_name) == (None, "Pieters Piet")


def test_the_recipes_payload_survives_quotes_backslashes_and_ampersands() -> None:
    title = 'Printer "HP 4" says C:\\spool & <stops>'
    item = glpi_payloads.ticket(name=title, requester_login="jan")
    item["team"][3]["name"] = 'R&D "North"'
    raw = glpi_payloads.custom_body(item, "jan@example.com")
    event = GlpiWebhook(SECRET).parse(raw, received_at=AT)
    assert isinstance(event, ConversationClosed)
    assert (event.subject, event.team) == (title, 'R&D "North"')
    assert event.requester_email == "jan@example.com"


def test_html_entities_from_an_autoescaped_template_are_undone() -> None:
    # A template value written as "{{ item.name }}" arrives HTML-escaped by Twig.
    payload = {**payloads.glpi(), "group": "R&amp;D"}
    payload["item"]["name"] = "Tom &amp; Jerry&#039;s &lt;printer&gt;"
    event = GlpiWebhook(SECRET).parse(body(payload), received_at=AT)
    assert isinstance(event, ConversationClosed)
    assert (event.subject, event.team) == ("Tom & Jerry's <printer>", "R&D")


def test_a_requester_login_that_is_an_email_is_enough() -> None:
    payload = payloads.glpi(requester_email=None)
    payload["item"]["team"][0]["name"] = "Jan@Example.com"
    event = GlpiWebhook(SECRET).parse(body(payload), received_at=AT)
    assert isinstance(event, ConversationClosed)
    assert event.requester_email == "jan@example.com"
