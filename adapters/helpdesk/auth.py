"""Proofs of origin the helpdesk sources share: HMACs, a shared secret, a replay window."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from adapters.helpdesk.source import Verdict

# A signed request older (or newer) than this is refused: a captured one cannot be replayed.
REPLAY_WINDOW = timedelta(minutes=5)
# For helpdesks that do not sign: the secret itself, sent over HTTPS in this header.
TOKEN_HEADER = "X-Ratebot-Token"

_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}


def _bytes(text: str) -> bytes:
    # compare_digest accepts bytes of any content; str raises on non-ASCII input.
    return text.encode("utf-8", errors="replace")


def same(expected: str, given: str | None) -> bool:
    """Constant-time equality of two secrets or signatures."""
    return given is not None and hmac.compare_digest(_bytes(expected), _bytes(given))


def hex_hmac(secret: str, message: bytes, algorithm: str = "sha256") -> str:
    return hmac.new(secret.encode(), message, _ALGORITHMS[algorithm]).hexdigest()


def b64_hmac(secret: str, message: bytes, algorithm: str = "sha256") -> str:
    digest = hmac.new(secret.encode(), message, _ALGORITHMS[algorithm]).digest()
    return base64.b64encode(digest).decode()


def check_signature(header: str, given: str | None, expected: str) -> Verdict:
    """Compare a signature header with the one computed here, in constant time."""
    if not given or not given.strip():
        return Verdict(False, f"missing {header} header")
    if not same(expected, given.strip()):
        return Verdict(False, f"{header} does not match the body")
    return Verdict(True)


def check_fresh(header: str, signed_at: datetime | None, now: datetime) -> Verdict:
    """Refuse a signing time that is missing, unreadable or outside the replay window."""
    if signed_at is None:
        return Verdict(False, f"missing or unreadable {header} header")
    if abs(now - signed_at) > REPLAY_WINDOW:
        minutes = int(REPLAY_WINDOW.total_seconds() // 60)
        return Verdict(False, f"{header} is more than {minutes} minutes away: refused as a replay")
    return Verdict(True)


def unix_time(value: str | None) -> datetime | None:
    """A Unix time in seconds, as text; None when it is not one."""
    if value is None or not value.strip().isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(value.strip()), UTC)
    except (OverflowError, OSError, ValueError):
        return None


def iso_time(value: str | None) -> datetime | None:
    """An ISO-8601 time with a timezone; None when it is not one."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def check_shared_secret(headers: Mapping[str, str], secret: str) -> Verdict:
    """For helpdesks that cannot sign: the secret in `X-Ratebot-Token` or as a basic-auth password.

    Either way it is compared in constant time; the basic-auth user name is not checked
    (some helpdesks insist on one, so any is accepted).
    """
    token = headers.get(TOKEN_HEADER)
    if token is not None:
        if same(secret, token.strip()):
            return Verdict(True)
        return Verdict(False, f"{TOKEN_HEADER} does not match the configured secret")
    password = _basic_password(headers.get("Authorization"))
    if password is not None:
        if same(secret, password):
            return Verdict(True)
        return Verdict(False, "basic-auth password does not match the configured secret")
    return Verdict(False, f"missing {TOKEN_HEADER} header (or basic-auth credentials)")


def _basic_password(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    _user, colon, password = decoded.partition(":")
    return password if colon else None


def basic_auth(user: str, password: str) -> str:
    """The `Authorization` header value for basic auth (for tests and `webhook-test`)."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
