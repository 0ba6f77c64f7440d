"""What every helpdesk webhook source provides: verify a request, parse its body."""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.domain.events import ConversationClosed, ConversationReopened
from bot.domain.untrusted import describe, may_hold_unstorable, unstorable_fields

# Deliberately simple: one @, no spaces, a dot in the domain. Full RFC 5322 parsing
# accepts addresses no mail system delivers to and would need another dependency.
_EMAIL = re.compile(r"^[^@\s\"(),:;<>\[\]\\]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")

# Why a time is refused that is written correctly but falls outside years 1-9999 in UTC.
OUT_OF_RANGE = "out of range: in UTC it falls outside the years 1 to 9999"


@dataclass(frozen=True, slots=True)
class Ignored:
    """A well-formed event the bot has no use for (e.g. a ticket merely updated).

    `unknown_status` is the sender's status word when the parser does not know it at all
    (rather than knowing it means nothing to ratebot): the endpoint logs and counts it.
    """

    reason: str
    unknown_status: str | None = None


WebhookEvent = ConversationClosed | ConversationReopened | Ignored


class PayloadError(Exception):
    """The body cannot be used. `fields` names every bad field with what is wrong."""

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, str] = dict(fields or {})


def load_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object whose every text can be stored, else `PayloadError`.

    Every source decodes its body here, so NUL and unpaired surrogates are refused at the
    door for all of them, in any field, naming where: PostgreSQL cannot store either, and
    a close accepted with one would fail later, in the worker, with nobody to tell.
    """
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PayloadError("body is not valid JSON") from None
    if not isinstance(data, dict):
        raise PayloadError("body must be a JSON object")
    if may_hold_unstorable(body):
        refused = unstorable_fields(data)
        if refused:
            raise PayloadError(describe(refused), refused)
    return data


def is_email(text: str | None) -> bool:
    """Whether `text` is an e-mail address by the one rule every source applies."""
    return text is not None and len(text) <= 254 and _EMAIL.match(text) is not None


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a request proved it comes from the source; `reason` says why not."""

    ok: bool
    reason: str = ""


class WebhookSource(Protocol):
    """One helpdesk (generic, zendesk, ...): the HTTP endpoint delegates to it."""

    name: str  # the path segment in /webhooks/<name> and the metrics label
    secret_setting: str  # the environment variable holding its secret

    @property
    def configured(self) -> bool:
        """False while the secret is missing: every request is then refused."""
        ...

    def verify(self, headers: Mapping[str, str], body: bytes) -> Verdict:
        """Check the request's signature over the raw body, in constant time."""
        ...

    def parse(self, body: bytes, *, received_at: datetime) -> WebhookEvent:
        """Translate the body into a core event. Raise `PayloadError`."""
        ...


class SecretSource(ABC):
    """A source with one secret; without it every request is refused (never open by default)."""

    name: str
    secret_setting: str

    def __init__(self, secret: str | None) -> None:
        self._secret = secret or None

    @property
    def configured(self) -> bool:
        return self._secret is not None

    def verify(self, headers: Mapping[str, str], body: bytes) -> Verdict:
        if self._secret is None:
            return Verdict(False, f"set {self.secret_setting} to accept webhooks")
        return self.check(headers, body, self._secret)

    @abstractmethod
    def check(self, headers: Mapping[str, str], body: bytes, secret: str) -> Verdict:
        """The source's own proof of origin, with the configured secret."""

    @abstractmethod
    def parse(self, body: bytes, *, received_at: datetime) -> WebhookEvent:
        """Translate the body into a core event. Raise `PayloadError`."""
