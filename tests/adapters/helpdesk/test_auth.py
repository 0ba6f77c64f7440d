"""The shared proofs of origin: constant-time secrets, basic auth, signing times."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from adapters.helpdesk.auth import (
    TOKEN_HEADER,
    basic_auth,
    check_fresh,
    check_shared_secret,
    check_signature,
    iso_time,
    same,
    unix_time,
)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_same_compares_any_text_without_raising() -> None:
    assert same("sëcret", "sëcret")
    assert not same("secret", "sëcret")
    assert not same("secret", None)
    assert not same("secret", "")


def test_a_basic_auth_password_may_contain_colons() -> None:
    assert check_shared_secret({"Authorization": basic_auth("any", "a:b:c")}, "a:b:c").ok


def test_the_token_header_wins_over_basic_auth() -> None:
    headers = {TOKEN_HEADER: "wrong", "Authorization": basic_auth("any", "right")}
    verdict = check_shared_secret(headers, "right")
    assert not verdict.ok
    assert TOKEN_HEADER in verdict.reason


def test_malformed_authorization_headers_are_refused() -> None:
    no_colon = "Basic " + base64.b64encode(b"justauser").decode()
    not_utf8 = "Basic " + base64.b64encode(b"u:\xff\xfe").decode()
    for header in (no_colon, not_utf8, "Basic", "Digest abc", "Basic ###"):
        assert not check_shared_secret({"Authorization": header}, "secret").ok, header


def test_a_blank_signature_header_counts_as_missing() -> None:
    verdict = check_signature("X-Sig", "   ", "abc")
    assert not verdict.ok
    assert verdict.reason == "missing X-Sig header"


def test_signing_times_are_read_strictly() -> None:
    assert unix_time(str(int(NOW.timestamp()))) == NOW
    assert unix_time("-5") is None
    assert unix_time("1e9") is None
    assert unix_time("9" * 30) is None
    assert iso_time("2026-11-24T10:00:00Z") == NOW
    assert iso_time("2026-11-24T11:00:00+01:00") == NOW
    assert iso_time("2026-11-24T10:00:00") is None  # no timezone: cannot be placed in time
    assert iso_time("soon") is None


def test_the_replay_window_is_five_minutes_either_way() -> None:
    window = timedelta(minutes=5)
    assert check_fresh("T", NOW - window, NOW).ok
    assert check_fresh("T", NOW + window, NOW).ok
    assert not check_fresh("T", NOW - window - timedelta(seconds=1), NOW).ok
    assert not check_fresh("T", NOW + window + timedelta(seconds=1), NOW).ok
    assert not check_fresh("T", None, NOW).ok
