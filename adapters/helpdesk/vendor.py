"""What the vendor sources share: a proof of origin, a field reader, status words, the close."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, ClassVar

from adapters.helpdesk.auth import Proof
from adapters.helpdesk.source import OUT_OF_RANGE, PayloadError, SecretSource, Verdict, is_email
from bot.domain.clock import Clock, SystemClock
from bot.domain.events import ConversationClosed

_MISSING = object()


class Outcome(Enum):
    """What a vendor's status word means to ratebot."""

    CLOSE = "close"
    REOPEN = "reopen"
    IGNORE = "ignore"


def status_key(word: object) -> str | None:
    """A status word (or number) as the tables spell it: trimmed, case-folded, NFC."""
    if word is None or isinstance(word, bool):
        return None
    # NFC: "Gelöst" may arrive with the umlaut as a separate combining character.
    return unicodedata.normalize("NFC", str(word).strip()).casefold()


def outcome_of(word: object, table: Mapping[str, Outcome]) -> Outcome:
    """Look a status word (or number) up case-insensitively; unknown words are ignored."""
    key = status_key(word)
    return Outcome.IGNORE if key is None else table.get(key, Outcome.IGNORE)


def is_known(word: object, table: Mapping[str, Outcome]) -> bool:
    """Whether `table` names `word` at all (an IGNORE entry included)."""
    key = status_key(word)
    return key is not None and key in table


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
        if not is_email(found):
            self.errors.setdefault(path, "not a valid email address")
            return None
        # People are matched by email; helpdesks disagree about case.
        return found.lower()

    def optional_email(self, path: str) -> str | None:
        """An email where a helpdesk may put something else (a login, '-'): None then."""
        found = self.text(path, limit=254)
        return found.lower() if found is not None and is_email(found) else None

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
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            self.errors.setdefault(path, OUT_OF_RANGE)
            return None

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


@dataclass(frozen=True, slots=True)
class CloseFields:
    """Where a vendor's payload names what a close needs, as dotted paths.

    The defaults are the names in the payload templates of docs/integrations.
    """

    agents: tuple[tuple[str, str], ...]  # (e-mail, name) paths: the assignee, then fallbacks
    requester: str = "requester_email"  # required
    team: str = "group"  # the helpdesk group (or project) that routes the close to a team
    subject: str = "subject"
    requester_name: str = "requester_name"
    closed_at: str | None = None  # without it (or a value there), the time the caller gives


class VendorWebhook(SecretSource):
    """A helpdesk's own webhook: its proof of origin, and its payload as a core event."""

    proof: ClassVar[Proof]

    def __init__(self, secret: str | None, *, clock: Clock | None = None) -> None:
        super().__init__(secret)
        self._clock = clock or SystemClock()

    def check(self, headers: Mapping[str, str], body: bytes, secret: str) -> Verdict:
        return self.proof.check(headers, body, secret, self._clock)

    def sign(self, body: bytes, *, now: datetime) -> dict[str, str]:
        """The headers this vendor would send with `body` (for tests and `webhook-test`)."""
        if self._secret is None:
            raise ValueError(f"{self.secret_setting} is not set")
        return self.signed_headers(body, self._secret, now)

    def signed_headers(self, body: bytes, secret: str, now: datetime) -> dict[str, str]:
        """What the vendor itself would send along with `body`."""
        return self.proof.headers(body, secret, now)

    def closed(
        self,
        fields: Reader,
        ticket: str,
        *,
        requester: str | None,
        team: str | None,
        closed_at: datetime,
        subject: str | None,
        agent_email: str | None,
        agent_name: str | None,
        requester_name: str | None,
    ) -> ConversationClosed:
        """The close, unless `fields` met a bad field: then `PayloadError` naming every one."""
        closed = ConversationClosed(
            source=self.name,
            ticket_id=ticket,
            requester_email=requester,
            team=team or "",
            closed_at=closed_at,
            subject=subject,
            agent_email=agent_email,
            agent_name=agent_name,
            requester_name=requester_name,
        )
        fields.check()
        return closed

    def closed_from(
        self, layout: CloseFields, fields: Reader, ticket: str, at: datetime
    ) -> ConversationClosed:
        """The close read from the paths in `layout`; `at` unless it names the closing time."""
        requester = fields.email(layout.requester, required=True)
        agent_email, agent_name = pick_agent(
            [(fields.optional_email(email), fields.text(name)) for email, name in layout.agents],
            requester,
        )
        return self.closed(
            fields,
            ticket,
            requester=requester,
            team=fields.text(layout.team),
            closed_at=(fields.moment(layout.closed_at) if layout.closed_at else None) or at,
            subject=fields.text(layout.subject, limit=500),
            agent_email=agent_email,
            agent_name=agent_name,
            requester_name=fields.text(layout.requester_name),
        )
