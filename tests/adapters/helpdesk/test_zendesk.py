"""Zendesk: its base64 HMAC over timestamp + body, the replay window, the trigger's body."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.helpdesk.auth import b64_hmac
from adapters.helpdesk.source import Ignored, PayloadError
from adapters.helpdesk.zendesk import SIGNATURE_HEADER, TIMESTAMP_HEADER, ZendeskWebhook
from bot.domain.events import ConversationClosed, ConversationReopened
from tests.adapters.helpdesk import payloads
from tests.adapters.helpdesk.payloads import body
from tests.fakes.clock import FakeClock

SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def test_a_request_signed_as_zendesk_documents_is_accepted(clock: FakeClock) -> None:
    source = ZendeskWebhook(SECRET, clock=clock)
    raw = body(payloads.zendesk())
    stamp = "2026-11-24T09:58:30Z"  # 90 seconds before the fake clock's now
    # base64(HMACSHA256(TIMESTAMP + BODY)), as developer.zendesk.com describes it.
    headers = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: b64_hmac(SECRET, stamp.encode() + raw)}
    assert source.verify(headers, raw).ok


def test_sign_produces_headers_verify_accepts(clock: FakeClock) -> None:
    source = ZendeskWebhook(SECRET, clock=clock)
    raw = body(payloads.zendesk())
    assert source.verify(source.sign(raw, now=clock.now()), raw).ok


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda h, b: ({**h, SIGNATURE_HEADER: b64_hmac("other", b"x")}, b), "does not match"),
        (lambda h, b: (h, b + b" "), "does not match"),
        (lambda h, b: ({**h, TIMESTAMP_HEADER: "2026-11-24T09:59:59Z"}, b), "does not match"),
        (lambda h, b: ({TIMESTAMP_HEADER: h[TIMESTAMP_HEADER]}, b), "missing"),
    ],
    ids=["wrong-secret", "body-changed", "timestamp-changed", "no-signature"],
)
def test_a_bad_signature_is_refused(clock: FakeClock, tamper: object, reason: str) -> None:
    source = ZendeskWebhook(SECRET, clock=clock)
    raw = body(payloads.zendesk())
    headers, sent = tamper(source.sign(raw, now=clock.now()), raw)  # type: ignore[operator]
    verdict = source.verify(headers, sent)
    assert not verdict.ok
    assert reason in verdict.reason


def test_a_request_signed_more_than_five_minutes_ago_is_a_replay(clock: FakeClock) -> None:
    source = ZendeskWebhook(SECRET, clock=clock)
    raw = body(payloads.zendesk())
    headers = source.sign(raw, now=clock.now())
    clock.advance(minutes=4, seconds=59)
    assert source.verify(headers, raw).ok
    clock.advance(seconds=2)
    verdict = source.verify(headers, raw)
    assert not verdict.ok
    assert "replay" in verdict.reason


def test_a_request_from_the_future_is_refused_too(clock: FakeClock) -> None:
    source = ZendeskWebhook(SECRET, clock=clock)
    raw = body(payloads.zendesk())
    headers = source.sign(raw, now=datetime(2026, 11, 24, 10, 6, tzinfo=UTC))
    assert not source.verify(headers, raw).ok


def test_without_a_secret_every_request_is_refused(clock: FakeClock) -> None:
    source = ZendeskWebhook(None, clock=clock)
    assert not source.configured
    raw = body(payloads.zendesk())
    headers = ZendeskWebhook(SECRET, clock=clock).sign(raw, now=clock.now())
    verdict = source.verify(headers, raw)
    assert not verdict.ok
    assert "RATEBOT_ZENDESK_SECRET" in verdict.reason


def test_solved_is_a_close_with_the_group_to_map_and_the_assignee() -> None:
    event = ZendeskWebhook(SECRET).parse(body(payloads.zendesk("Solved")), received_at=AT)
    assert event == ConversationClosed(
        source="zendesk",
        ticket_id="1042",
        requester_email="jan@example.com",
        team="Service Desk",
        closed_at=AT,
        subject="Printer on the third floor",
        agent_email="piet@example.com",
        agent_name="Piet Pieters",
        requester_name="Jan Jansen",
    )


def test_without_an_assignee_the_agent_who_solved_it_is_the_agent() -> None:
    payload = payloads.zendesk(
        assignee_email="", assignee_name="", updated_by_email="kees@example.com",
        updated_by_name="Kees",
    )
    event = ZendeskWebhook(SECRET).parse(body(payload), received_at=AT)
    assert isinstance(event, ConversationClosed)
    assert (event.agent_email, event.agent_name) == ("kees@example.com", "Kees")


def test_a_requester_solving_their_own_ticket_is_not_the_agent() -> None:
    payload = payloads.zendesk(
        assignee_email="", assignee_name="", updated_by_email="jan@example.com",
        updated_by_name="Jan Jansen",
    )
    event = ZendeskWebhook(SECRET).parse(body(payload), received_at=AT)
    assert isinstance(event, ConversationClosed)
    assert event.agent_email is None


def test_back_to_open_is_a_reopen() -> None:
    event = ZendeskWebhook(SECRET).parse(body(payloads.zendesk("Open")), received_at=AT)
    assert event == ConversationReopened(source="zendesk", ticket_id="1042", reopened_at=AT)


def test_a_new_ticket_is_ignored_with_its_status_named() -> None:
    event = ZendeskWebhook(SECRET).parse(body(payloads.zendesk("New")), received_at=AT)
    assert isinstance(event, Ignored)
    assert "'New'" in event.reason


def test_every_bad_field_is_named() -> None:
    payload = payloads.zendesk(requester_email="not-an-address")
    with pytest.raises(PayloadError) as caught:
        ZendeskWebhook(SECRET).parse(body(payload), received_at=AT)
    assert caught.value.fields == {"requester_email": "not a valid email address"}
    with pytest.raises(PayloadError) as caught:
        ZendeskWebhook(SECRET).parse(body({"status": ""}), received_at=AT)
    assert caught.value.fields == {"ticket_id": "required", "status": "required"}


# {{ticket.status}} renders in the account's (or requester's) language.
LOCALISED_CLOSES = [
    "Solved", "Closed",  # English
    "Opgelost", "Gesloten",  # Dutch
    "Gelöst", "Geschlossen",  # German
    "Résolu", "Clos",  # French
    "Resuelto", "Cerrado",  # Spanish
    "Resolvido", "Fechado",  # Portuguese
    "Risolto", "Chiuso",  # Italian
]


@pytest.mark.parametrize("status", LOCALISED_CLOSES)
def test_solved_and_closed_are_closes_in_zendesks_main_languages(status: str) -> None:
    for word in (status, status.upper(), status.lower(), f" {status} "):
        event = ZendeskWebhook(SECRET).parse(body(payloads.zendesk(word)), received_at=AT)
        assert isinstance(event, ConversationClosed), word


def test_a_decomposed_accent_is_the_same_word() -> None:
    decomposed = "Gel" + "o\u0308" + "st"  # what some systems send for "Gelöst"
    event = ZendeskWebhook(SECRET).parse(body(payloads.zendesk(decomposed)), received_at=AT)
    assert isinstance(event, ConversationClosed)


@pytest.mark.parametrize("status", ["Offen", "Ouvert", "Abierto", "Aberto", "Aperto"])
def test_open_is_a_reopen_in_zendesks_main_languages(status: str) -> None:
    event = ZendeskWebhook(SECRET).parse(body(payloads.zendesk(status)), received_at=AT)
    assert event == ConversationReopened(source="zendesk", ticket_id="1042", reopened_at=AT)


def test_a_word_ratebot_does_not_know_is_ignored_and_named_as_unknown() -> None:
    event = ZendeskWebhook(SECRET).parse(body(payloads.zendesk("Erledigt")), received_at=AT)
    assert isinstance(event, Ignored)
    assert event.unknown_status == "Erledigt"
    known = ZendeskWebhook(SECRET).parse(body(payloads.zendesk("New")), received_at=AT)
    assert isinstance(known, Ignored)
    assert known.unknown_status is None
