"""What the vendor sources share: a secret, a clock, a field reader and status words."""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from adapters.helpdesk.source import PayloadError, Verdict, WebhookEvent
from bot.clock import Clock, SystemClock

# One @, no spaces, a dot in the domain: the generic webhook's rule, for vendor payloads.
_EMAIL = re.compile(r"^[^@\s\"(),:;<>\[\]\\]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_MISSING = object()


def is_email(text: str | None) -> bool:
    return text is not None and len(text) <= 254 and _EMAIL.match(text) is not None


class Outcome(Enum):
    """What a vendor's status word means to ratebot."""

    CLOSE = "close"
    REOPEN = "reopen"
    IGNORE = "ignore"


def outcome_of(word: object, table: Mapping[str, Outcome]) -> Outcome:
    """Look a status word (or number) up case-insensitively; unknown words are ignored."""
    if word is None or isinstance(word, bool):
        return Outcome.IGNORE
    return table.get(str(word).strip().casefold(), Outcome.IGNORE)


def load_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PayloadError("body is not valid JSON") from None
    if not isinstance(data, dict):
        raise PayloadError("body must be a JSON object")
    return data


class Reader:
    """Reads dotted paths from a vendor payload and collects every bad field at once."""

    def __init__(self, data: Mapping[str, Any], vendor: str) -> None:
        self._data = data
        self._vendor = vendor
        self.errors: dict[str, str] = {}

    def value(self, path: str) -> Any:
        current: Any = self._data
        for part in path.split("."):
            if not isinstance(current, Mapping):
                return None
            current = current.get(part, _MISSING)
            if current is _MISSING:
                return None
        return current

    def text(self, path: str, *, required: bool = False, limit: int = 200) -> str | None:
        raw = self.value(path)
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            raw = str(raw)
        if raw is not None and not isinstance(raw, str):
            self.errors.setdefault(path, "must be text")
            return None
        cleaned = raw.strip() if raw else ""
        if not cleaned:
            if required:
                self.errors.setdefault(path, "required")
            return None
        if len(cleaned) > limit:
            self.errors.setdefault(path, f"longer than {limit} characters")
            return None
        return cleaned

    def email(self, path: str, *, required: bool = False) -> str | None:
        found = self.text(path, required=required, limit=254)
        if found is None:
            return None
        if not _EMAIL.match(found):
            self.errors.setdefault(path, "not a valid email address")
            return None
        # People are matched by email; helpdesks disagree about case.
        return found.lower()

    def optional_email(self, path: str) -> str | None:
        """An email where a helpdesk may put something else (a login, '-'): None then."""
        found = self.text(path, limit=254)
        return found.lower() if found is not None and _EMAIL.match(found) else None

    def moment(self, path: str) -> datetime | None:
        """An ISO-8601 time; one without a timezone is taken as UTC (the vendors' habit)."""
        found = self.text(path, limit=64)
        if found is None:
            return None
        try:
            moment = datetime.fromisoformat(found.replace(" ", "T", 1))
        except ValueError:
            self.errors.setdefault(path, "not an ISO-8601 date-time")
            return None
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)

    def require(self, *paths: str) -> list[str]:
        """Every field in `paths` as text; raise naming each one missing (and earlier errors)."""
        found = [self.text(path, required=True) for path in paths]
        self.check()
        return [value or "" for value in found]

    def check(self) -> None:
        if self.errors:
            raise PayloadError(f"invalid {self._vendor} payload", self.errors)


def pick_agent(
    candidates: list[tuple[str | None, str | None]], requester: str | None
) -> tuple[str | None, str | None]:
    """The first (email, name) that names someone other than the requester.

    The assignee comes first; the fallbacks (whoever solved or last answered) only count
    when they are not the requester, who may well close their own ticket.
    """
    for email, name in candidates:
        if email is None and name is None:
            continue
        if email is not None and email == requester:
            continue
        return email, name
    return None, None


class VendorWebhook(ABC):
    """A source with one secret; without it every request is refused (never open by default)."""

    name = "vendor"
    secret_setting = "RATEBOT_VENDOR_SECRET"

    def __init__(self, secret: str | None, *, clock: Clock | None = None) -> None:
        self._secret = secret or None
        self._clock = clock or SystemClock()

    @property
    def configured(self) -> bool:
        return self._secret is not None

    def verify(self, headers: Mapping[str, str], body: bytes) -> Verdict:
        if self._secret is None:
            return Verdict(False, f"set {self.secret_setting} to accept webhooks")
        return self.check(headers, body, self._secret)

    @abstractmethod
    def check(self, headers: Mapping[str, str], body: bytes, secret: str) -> Verdict:
        """The vendor's own proof of origin, with the configured secret."""

    @abstractmethod
    def parse(self, body: bytes, *, received_at: datetime) -> WebhookEvent:
        """The vendor's payload as a core event; raise `PayloadError` naming bad fields."""

    def sign(self, body: bytes, *, now: datetime) -> dict[str, str]:
        """The headers this vendor would send with `body` (for tests and `webhook-test`)."""
        if self._secret is None:
            raise ValueError(f"{self.secret_setting} is not set")
        return self.signed_headers(body, self._secret, now)

    @abstractmethod
    def signed_headers(self, body: bytes, secret: str, now: datetime) -> dict[str, str]:
        """What the vendor itself would send along with `body`."""
