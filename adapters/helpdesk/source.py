"""What every helpdesk webhook source provides: verify a request, parse its body."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.events import ConversationClosed, ConversationReopened


@dataclass(frozen=True, slots=True)
class Ignored:
    """A well-formed event the bot has no use for (e.g. a ticket merely updated)."""

    reason: str


WebhookEvent = ConversationClosed | ConversationReopened | Ignored


class PayloadError(Exception):
    """The body cannot be used. `fields` names every bad field with what is wrong."""

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, str] = dict(fields or {})


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
