"""The generic webhook's proof for senders that cannot compute an HMAC: the secret itself."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.helpdesk.auth import TOKEN_HEADER, basic_auth
from adapters.helpdesk.generic import SIGNATURE_HEADER, GenericWebhook, sign

SECRET = "generic-shared-secret"
BODY = b'{"ticket_id": "INC-1", "requester_email": "jan@example.com", "team": "servicedesk"}'


def test_the_secret_in_the_token_header_or_as_the_basic_auth_password_is_accepted() -> None:
    source = GenericWebhook(SECRET)
    assert source.verify({TOKEN_HEADER: SECRET}, BODY).ok
    assert source.verify({TOKEN_HEADER: f"  {SECRET} "}, BODY).ok
    assert source.verify({"Authorization": basic_auth("power-automate", SECRET)}, BODY).ok


def test_a_wrong_token_or_password_is_refused_naming_what_was_wrong() -> None:
    source = GenericWebhook(SECRET)
    verdict = source.verify({TOKEN_HEADER: "guess"}, BODY)
    assert not verdict.ok
    assert verdict.reason == f"{TOKEN_HEADER} does not match the configured secret"
    verdict = source.verify({"Authorization": basic_auth("x", "guess")}, BODY)
    assert verdict.reason == "basic-auth password does not match the configured secret"
    assert not source.verify({"Authorization": "Bearer " + SECRET}, BODY).ok


def test_a_signature_decides_when_there_is_one() -> None:
    source = GenericWebhook(SECRET)
    # A wrong signature is not rescued by a right token: the sender chose to sign.
    verdict = source.verify({SIGNATURE_HEADER: sign(b"other", SECRET), TOKEN_HEADER: SECRET}, BODY)
    assert verdict.reason == f"{SIGNATURE_HEADER} does not match the body"
    assert source.verify({SIGNATURE_HEADER: sign(BODY, SECRET), TOKEN_HEADER: "x"}, BODY).ok


def test_neither_proof_is_refused_as_the_contract_says_and_no_secret_refuses_all() -> None:
    verdict = GenericWebhook(SECRET).verify({}, BODY)
    assert verdict.reason == f"missing {SIGNATURE_HEADER} header"
    assert not GenericWebhook(None).verify({TOKEN_HEADER: SECRET}, BODY).ok
    assert not GenericWebhook("").verify({TOKEN_HEADER: ""}, BODY).ok


def test_webhook_test_signs_as_a_sender_would() -> None:
    now = datetime(2026, 11, 26, 10, tzinfo=UTC)
    headers = GenericWebhook(SECRET).sign(BODY, now=now)
    assert headers == {SIGNATURE_HEADER: sign(BODY, SECRET)}
    assert GenericWebhook(SECRET).verify(headers, BODY).ok
