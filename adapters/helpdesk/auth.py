"""Proofs of origin the helpdesk sources share: HMACs, a shared secret, a replay window."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from adapters.helpdesk.source import Verdict
from bot.domain.clock import Clock

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


def check_fresh(
    header: str, signed_at: datetime | None, now: datetime, max_age: timedelta = REPLAY_WINDOW
) -> Verdict:
    """Refuse a signing time that is missing, unreadable, older than `max_age` or ahead.

    A time ahead of `now` is allowed the replay window's clock skew, whatever `max_age` is.
    """
    if signed_at is None:
        return Verdict(False, f"missing or unreadable {header} header")
    if signed_at - now > REPLAY_WINDOW or now - signed_at > max_age:
        if max_age == REPLAY_WINDOW:
            minutes = int(REPLAY_WINDOW.total_seconds() // 60)
            return Verdict(
                False, f"{header} is more than {minutes} minutes away: refused as a replay"
            )
        if signed_at > now:
            return Verdict(False, f"{header} is in the future: refused")
        hours = f"{max_age.total_seconds() / 3600:g}"
        return Verdict(False, f"{header} is more than {hours} hours old: refused as a replay")
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
        # Near year 1 or 9999 the conversion overflows: not a time a sender signs at.
        return moment.astimezone(UTC) if moment.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None


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


class Proof(Protocol):
    """How one helpdesk proves a request is its own, and the headers it sends to do so."""

    def check(self, headers: Mapping[str, str], body: bytes, secret: str, clock: Clock) -> Verdict:
        """The request's proof against the configured secret."""
        ...

    def headers(self, body: bytes, secret: str, now: datetime) -> dict[str, str]:
        """What the helpdesk itself would send along with `body`."""
        ...


@dataclass(frozen=True, slots=True)
class SharedSecret:
    """For helpdesks that cannot sign: the secret itself (see `check_shared_secret`)."""

    def check(self, headers: Mapping[str, str], body: bytes, secret: str, clock: Clock) -> Verdict:
        return check_shared_secret(headers, secret)

    def headers(self, body: bytes, secret: str, now: datetime) -> dict[str, str]:
        return {TOKEN_HEADER: secret}


@dataclass(frozen=True, slots=True)
class SigningTime:
    """A header with the time of signing, signed along with the body (against replays)."""

    header: str
    format: Literal["unix", "iso"]
    before_body: bool  # signed as time + body, else as body + time

    def message(self, body: bytes, stamp: str) -> bytes:
        return stamp.encode() + body if self.before_body else body + stamp.encode()

    def write(self, now: datetime) -> str:
        if self.format == "iso":
            return now.strftime("%Y-%m-%dT%H:%M:%SZ")
        return str(int(now.timestamp()))

    def read(self, stamp: str) -> datetime | None:
        return iso_time(stamp) if self.format == "iso" else unix_time(stamp)


@dataclass(frozen=True, slots=True)
class Signature:
    """A signature header: `prefix` + the HMAC of the body (and the signing time, if any)."""

    header: str
    prefix: str = ""
    algorithm: str = "sha256"
    encoding: Literal["hex", "base64"] = "hex"
    signing_time: SigningTime | None = None
    # What a request without the signature header must prove instead (senders that cannot sign).
    unsigned: Proof | None = None
    # How old a signing time may be (senders that re-send stored requests allow more).
    max_age: timedelta = REPLAY_WINDOW

    def check(self, headers: Mapping[str, str], body: bytes, secret: str, clock: Clock) -> Verdict:
        if self.unsigned is not None and self.header not in headers:
            return self.unsigned.check(headers, body, secret, clock)
        stamp = headers.get(self.signing_time.header, "") if self.signing_time else ""
        given = headers.get(self.header)
        if given and self.encoding == "hex":
            given = given.lower()  # hex digits are the same in either case; base64 is not
        verdict = check_signature(self.header, given, self._signature(body, secret, stamp))
        if not verdict.ok or self.signing_time is None:
            return verdict
        return check_fresh(
            self.signing_time.header, self.signing_time.read(stamp), clock.now(), self.max_age
        )

    def headers(self, body: bytes, secret: str, now: datetime) -> dict[str, str]:
        if self.signing_time is None:
            return {self.header: self._signature(body, secret, "")}
        stamp = self.signing_time.write(now)
        return {
            self.signing_time.header: stamp,
            self.header: self._signature(body, secret, stamp),
        }

    def _signature(self, body: bytes, secret: str, stamp: str) -> str:
        message = self.signing_time.message(body, stamp) if self.signing_time else body
        digest = b64_hmac if self.encoding == "base64" else hex_hmac
        return self.prefix + digest(secret, message, self.algorithm)
