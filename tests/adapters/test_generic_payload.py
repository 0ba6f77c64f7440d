"""The generic webhook's signature check and payload parsing, without HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from adapters.helpdesk.generic import (
    SIGNATURE_HEADER,
    ClosePayload,
    GenericWebhook,
    check_signature,
    parse_payload,
    plain_close,
    sign,
)
from adapters.helpdesk.source import PayloadError, is_email
from bot.domain.events import ConversationClosed, ConversationReopened

SECRET = "s3cret-for-tests"
RECEIVED = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CANONICAL = {
    "ticket_id": "INC-1042",
    "requester_email": "jan@example.com",
    "agent": "piet@example.com",
    "team": "servicedesk",
    "subject": "Printer on the third floor",
    "closed_at": "2026-11-26T10:00:00Z",
}


def body_of(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def parse(payload: Any) -> Any:
    return parse_payload(body_of(payload), received_at=RECEIVED)


def bad_fields(payload: Any) -> dict[str, str]:
    with pytest.raises(PayloadError) as caught:
        parse(payload)
    assert caught.value.message == "invalid payload"
    return caught.value.fields


# ---------------------------------------------------------------- signature


def test_sign_is_hex_hmac_sha256_of_the_raw_body() -> None:
    body = body_of(CANONICAL)
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert sign(body, SECRET) == f"sha256={expected}"


def test_a_correct_signature_is_accepted_in_either_case() -> None:
    body = body_of(CANONICAL)
    assert check_signature(body, sign(body, SECRET), SECRET).ok
    assert check_signature(body, sign(body, SECRET).upper().replace("SHA256", "sha256"), SECRET).ok


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing X-Ratebot-Signature header"),
        ("", "missing X-Ratebot-Signature header"),
        ("sha256=" + "0" * 64, "X-Ratebot-Signature does not match the body"),
        ("sha1=abc", "X-Ratebot-Signature does not match the body"),
        ("sha256=ünïcode", "X-Ratebot-Signature does not match the body"),
    ],
)
def test_a_missing_or_wrong_signature_is_refused(header: str | None, reason: str) -> None:
    verdict = check_signature(body_of(CANONICAL), header, SECRET)
    assert not verdict.ok
    assert verdict.reason == reason


def test_the_signature_covers_every_byte_of_the_body() -> None:
    body = body_of(CANONICAL)
    header = sign(body, SECRET)
    assert not check_signature(body + b" ", header, SECRET).ok
    assert not check_signature(body, header, SECRET + "x").ok


def test_the_source_reads_its_header_and_refuses_without_a_secret() -> None:
    body = body_of(CANONICAL)
    headers = {SIGNATURE_HEADER: sign(body, SECRET)}
    assert GenericWebhook(SECRET).verify(headers, body).ok
    assert GenericWebhook(SECRET).configured
    for secret in (None, ""):
        unconfigured = GenericWebhook(secret)
        assert not unconfigured.configured
        verdict = unconfigured.verify(headers, body)
        assert not verdict.ok
        assert "RATEBOT_WEBHOOK_SECRET" in verdict.reason


# ---------------------------------------------------------------- closes


def test_the_canonical_payload_becomes_a_conversation_closed() -> None:
    assert parse(CANONICAL) == ConversationClosed(
        source="generic",
        ticket_id="INC-1042",
        requester_email="jan@example.com",
        team="servicedesk",
        closed_at=datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
        subject="Printer on the third floor",
        agent_email="piet@example.com",
    )


def test_only_the_three_required_fields_are_needed_and_the_rest_defaults() -> None:
    event = parse({"ticket_id": "T-1", "requester_email": "jan@example.com", "team": "infra"})
    assert isinstance(event, ConversationClosed)
    assert event.closed_at == RECEIVED
    assert (event.agent_email, event.subject, event.always_ask) == (None, None, False)


def test_optional_extras_are_carried_and_unknown_fields_ignored() -> None:
    event = parse(
        {
            **CANONICAL,
            "event": "closed",
            "always_ask": True,
            "requester_name": "Jan Jansen",
            "agent_name": "Piet",
            "priority": "high",
            "custom": {"nested": [1, 2]},
        }
    )
    assert isinstance(event, ConversationClosed)
    assert event.always_ask is True
    assert (event.requester_name, event.agent_name) == ("Jan Jansen", "Piet")


def test_values_are_normalised() -> None:
    event = parse(
        {
            "ticket_id": 1042,
            "requester_email": "  Jan@Example.COM ",
            "team": " servicedesk ",
            "agent": "",
            "subject": "   ",
            "closed_at": "2026-11-26T11:00:00+01:00",
        }
    )
    assert isinstance(event, ConversationClosed)
    assert event.ticket_id == "1042"
    assert event.requester_email == "jan@example.com"
    assert event.team == "servicedesk"
    assert event.agent_email is None and event.subject is None
    assert event.closed_at == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    assert event.closed_at.tzinfo is UTC


def test_every_bad_field_is_named_at_once() -> None:
    fields = bad_fields(
        {
            "ticket_id": "",
            "requester_email": "not-an-email",
            "team": "x" * 65,
            "agent": "piet@",
            "subject": "s" * 501,
            "closed_at": "2026-11-26T10:00:00",
            "always_ask": "yes",
            "agent_name": "n" * 201,
        }
    )
    assert set(fields) == {
        "ticket_id", "requester_email", "team", "agent", "subject",
        "closed_at", "always_ask", "agent_name",
    }
    assert fields["requester_email"] == "not a valid email address"
    assert fields["closed_at"] == "Input should have timezone info"


def test_missing_required_fields_are_named() -> None:
    assert bad_fields({}) == {
        "ticket_id": "required", "requester_email": "required", "team": "required",
    }


@pytest.mark.parametrize(
    "email",
    ["jan", "jan@", "@example.com", "jan@example", "jan @example.com", "jan@@example.com",
     "jan@exa mple.com", "<jan@example.com>", "a" * 65 + "@example.com"],
)
def test_malformed_emails_are_refused(email: str) -> None:
    assert set(bad_fields({**CANONICAL, "requester_email": email})) == {"requester_email"}


@pytest.mark.parametrize(
    "email", ["jan@example.com", "jan.jansen+it@mail.example.co.uk", "o'brien@example.ie"]
)
def test_ordinary_emails_pass(email: str) -> None:
    event = parse({**CANONICAL, "requester_email": email})
    assert isinstance(event, ConversationClosed)
    assert event.requester_email == email.lower()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ticket_id", "t" * 201),
        ("ticket_id", True),
        ("ticket_id", None),
        ("team", ""),
        ("team", 7),
        ("closed_at", 1764151200),
        ("closed_at", "yesterday"),
        ("always_ask", 1),
        ("event", "solved"),
    ],
)
def test_each_constraint_is_enforced(field: str, value: Any) -> None:
    assert set(bad_fields({**CANONICAL, field: value})) == {field}


def test_limits_are_inclusive() -> None:
    event = parse({**CANONICAL, "ticket_id": "t" * 200, "team": "x" * 64, "subject": "s" * 500})
    assert isinstance(event, ConversationClosed)


# ---------------------------------------------------------------- the plain reading
#
# Most payloads need nothing of the model (nothing to strip, convert or refuse) and are
# read without it; whatever the plain reading takes, it must read exactly as the model does.


def model_reading(data: dict[str, Any]) -> ConversationClosed | None:
    try:
        return ClosePayload.model_validate(data).event_at(RECEIVED)
    except ValidationError:
        return None


@pytest.mark.parametrize(
    "payload",
    [
        CANONICAL,
        {"ticket_id": "T-1", "requester_email": "jan@example.com", "team": "infra"},
        {**CANONICAL, "ticket_id": 1042, "event": "closed", "always_ask": True,
         "requester_name": "Jan Jansen", "agent_name": "Piet", "agent": "",
         "closed_at": "2026-11-26T11:00:00.25+01:00", "requester_email": "Jan@Example.COM"},
        {**CANONICAL, "closed_at": "2026-11-26T10:00:00.8630000Z"},  # Power Automate's utcNow()
        {**CANONICAL, "subject": None, "agent": None, "closed_at": None, "extra": [1, 2]},
    ],
)
def test_ordinary_payloads_are_read_plainly_as_the_model_reads_them(
    payload: dict[str, Any],
) -> None:
    plain = plain_close(payload, RECEIVED)
    assert plain is not None
    assert plain == model_reading(payload)


@pytest.mark.parametrize(
    "change",
    [
        {"team": " infra "},  # whitespace to strip
        {"requester_email": "jan@example.com\n"},
        {"subject": "\u3000Printer"},
        {"ticket_id": True},  # refused
        {"team": ""},
        {"always_ask": "yes"},
        {"closed_at": "2026-11-26 10:00:00Z"},  # a form the model reads its own way
        {"closed_at": "2026-11-26T10:00:00+00:99"},
        {"closed_at": 1764151200},
        {"event": "reopened"},
        {"event": " closed "},
    ],
)
def test_anything_else_is_left_to_the_model(change: dict[str, Any]) -> None:
    assert plain_close({**CANONICAL, **change}, RECEIVED) is None


def test_a_payload_the_model_strips_still_reads_the_same_through_the_endpoint() -> None:
    assert parse({**CANONICAL, "team": " servicedesk "}) == parse(CANONICAL)


_PADDING = st.sampled_from([" ", "\t", "\n", "\u00a0", "\u3000", "\x1c", "\u200b"])
_ODD = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.just(""),
                 st.just("  "), st.just([]), st.text(max_size=8))
_WORDS = st.one_of(st.sampled_from(["servicedesk", "INC-1", "Jan Jansen", "Ölçüm"]),
                   st.text(min_size=1, max_size=12).filter(lambda text: text.strip() == text))
_EMAILS = st.one_of(st.sampled_from(["jan@example.com", "Jan.Smit@Example.COM"]),
                    st.emails().filter(is_email))
_MOMENTS = st.tuples(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    st.sampled_from(["seconds", "milliseconds", "microseconds"]),
    st.sampled_from(["", "", "0", "863", "999"]),  # digits past the sixth: utcNow() has 7
    st.sampled_from(["Z", "+00:00", "-00:00", "+01:00", "-05:30", "+23:59"]),
).map(lambda parts: parts[0].isoformat("T", parts[1])
      + (parts[2] if parts[1] == "microseconds" else "") + parts[3])


def _padded(core: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(_PADDING, core, _PADDING).map("".join)


def _around(limit: int) -> st.SearchStrategy[str]:
    return st.integers(limit - 1, limit + 1).map(lambda size: "x" * size)


# What each field holds in a payload with nothing to strip, convert or refuse...
_CLEAN: dict[str, st.SearchStrategy[Any]] = {
    "ticket_id": st.one_of(_WORDS, st.integers(-10**12, 10**12)),
    "requester_email": _EMAILS,
    "team": _WORDS,
    "event": st.just("closed"),
    "agent": st.one_of(_EMAILS, st.just(""), st.none()),
    "subject": st.one_of(_WORDS, st.just(""), st.none()),
    "closed_at": st.one_of(_MOMENTS, st.none()),
    "always_ask": st.booleans(),
    "requester_name": st.one_of(_WORDS, st.none()),
    "agent_name": _WORDS,
}
_REQUIRED = ("ticket_id", "requester_email", "team")
# ...and what a sender may put there instead.
_MESSY: dict[str, st.SearchStrategy[Any]] = {
    "ticket_id": st.one_of(_padded(_WORDS), _around(200), _ODD),
    "requester_email": st.one_of(
        _padded(_EMAILS), _ODD, st.sampled_from(["a@b", "no-at-all", "x" * 243 + "@example.com"])
    ),
    "team": st.one_of(_padded(_WORDS), _around(64), _ODD),
    "event": st.one_of(st.sampled_from([" closed", "Closed", "reopened"]), _ODD),
    "agent": st.one_of(_padded(_EMAILS), _ODD),
    "subject": st.one_of(_padded(_WORDS), _around(500), _ODD),
    "closed_at": st.one_of(
        st.tuples(_MOMENTS, st.sampled_from([" ", "t", "z"]), st.integers(0, 19)).map(
            lambda parts: parts[0][:parts[2]] + parts[1] + parts[0][parts[2] + 1:]),
        st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                      r"(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})?\Z"),
        _ODD,
    ),
    "always_ask": _ODD,
    "requester_name": st.one_of(_padded(_WORDS), _around(200), _ODD),
    "agent_name": st.one_of(_padded(_WORDS), _around(200), _ODD),
    "unknown": _ODD,
}


@st.composite
def _payloads(draw: st.DrawFn) -> dict[str, Any]:
    """A clean payload, with at most two fields messed up."""
    payload = {name: draw(values) for name, values in _CLEAN.items()
               if name in _REQUIRED or draw(st.booleans())}
    for name in draw(st.sets(st.sampled_from(sorted(_MESSY)), max_size=2)):
        payload[name] = draw(_MESSY[name])
    return payload


@settings(max_examples=1500, deadline=None)
@given(_payloads())
def test_whatever_the_plain_reading_takes_it_reads_as_the_model_does(
    payload: dict[str, Any],
) -> None:
    plain = plain_close(payload, RECEIVED)
    if plain is not None:
        assert plain == model_reading(payload)


# ---------------------------------------------------------------- reopens and bad bodies


def test_a_reopen_needs_only_the_ticket() -> None:
    assert parse({"event": "reopened", "ticket_id": "INC-1042"}) == ConversationReopened(
        source="generic", ticket_id="INC-1042", reopened_at=RECEIVED
    )
    assert bad_fields({"event": "reopened"}) == {"ticket_id": "required"}


def test_a_reopen_may_say_when() -> None:
    event = parse({"event": "reopened", "ticket_id": "T", "reopened_at": "2026-11-26T09:00:00Z"})
    assert isinstance(event, ConversationReopened)
    assert event.reopened_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "body is not valid JSON"),
        (b"{not json", "body is not valid JSON"),
        (b"\xff\xfe\x00", "body is not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "body is not valid JSON"),
        (b"[1, 2]", "body must be a JSON object"),
        (b'"INC-1042"', "body must be a JSON object"),
        (b"null", "body must be a JSON object"),
    ],
)
def test_bodies_that_are_not_json_objects_are_refused(body: bytes, message: str) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_payload(body, received_at=RECEIVED)
    assert caught.value.message == message
    assert caught.value.fields == {}
