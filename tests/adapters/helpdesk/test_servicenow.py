"""ServiceNow: the business rule's body; state 6/7 closes, leaving them reopens."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.helpdesk.auth import TOKEN_HEADER, basic_auth
from adapters.helpdesk.servicenow import ServiceNowWebhook
from adapters.helpdesk.source import Ignored, PayloadError
from bot.domain.events import ConversationClosed, ConversationReopened
from tests.adapters.helpdesk import payloads
from tests.adapters.helpdesk.payloads import body

SECRET = "servicenow-shared-secret"
AT = datetime(2026, 11, 25, 9, 31, tzinfo=UTC)


def test_a_shared_secret_header_or_basic_auth_is_required() -> None:
    source = ServiceNowWebhook(SECRET)
    raw = body(payloads.servicenow())
    assert source.verify({TOKEN_HEADER: SECRET}, raw).ok
    assert source.verify({"Authorization": basic_auth("ratebot", SECRET)}, raw).ok
    assert not source.verify({TOKEN_HEADER: SECRET.upper()}, raw).ok
    assert not source.verify({}, raw).ok
    assert not ServiceNowWebhook(None).verify({TOKEN_HEADER: SECRET}, raw).ok


@pytest.mark.parametrize("state", ["6", "7", "Resolved"])
def test_resolved_or_closed_is_a_close_at_the_resolution_time(state: str) -> None:
    event = ServiceNowWebhook(SECRET).parse(body(payloads.servicenow(state)), received_at=AT)
    assert event == ConversationClosed(
        source="servicenow",
        ticket_id="INC0010023",
        requester_email="jan@example.com",
        team="Service Desk",
        closed_at=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
        subject="Outlook keeps asking for a password",
        agent_email="piet@example.com",
        agent_name="Piet Pieters",
        requester_name="Jan Jansen",
    )


def test_resolved_then_closed_is_the_same_close_again() -> None:
    event = ServiceNowWebhook(SECRET).parse(body(payloads.servicenow("7", "6")), received_at=AT)
    assert isinstance(event, ConversationClosed)
    assert event.ticket_id == "INC0010023"


def test_from_resolved_back_to_in_progress_is_a_reopen() -> None:
    event = ServiceNowWebhook(SECRET).parse(body(payloads.servicenow("2", "6")), received_at=AT)
    assert event == ConversationReopened("servicenow", "INC0010023", AT)


@pytest.mark.parametrize(
    ("state", "previous"), [("2", "1"), ("3", "2"), ("8", "2")], ids=["new", "hold", "canceled"]
)
def test_other_state_changes_are_ignored(state: str, previous: str) -> None:
    payload = payloads.servicenow(state, previous)
    assert isinstance(ServiceNowWebhook(SECRET).parse(body(payload), received_at=AT), Ignored)


def test_an_unreadable_resolution_time_is_named() -> None:
    payload = payloads.servicenow(resolved_at="yesterday", caller_email="jan")
    with pytest.raises(PayloadError) as caught:
        ServiceNowWebhook(SECRET).parse(body(payload), received_at=AT)
    assert caught.value.fields == {
        "caller_email": "not a valid email address",
        "resolved_at": "not an ISO-8601 date-time",
    }
