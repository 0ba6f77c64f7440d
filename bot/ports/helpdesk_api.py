"""What ratebot asks of a helpdesk's own REST API: who an id is, and what was solved.

Webhooks are the fast path; a helpdesk's API fills what they leave out (Jira Cloud
names people by account id only) and finds the closes whose webhook never came. An
implementation per vendor lives in `adapters.helpdesk.api`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.events import ConversationClosed


class HelpdeskApiError(Exception):
    """The helpdesk's API could not answer; the message names the source and why."""


class ApiUnavailable(HelpdeskApiError):
    """Unreachable, too slow, rate-limited past the caller's patience, or a 5xx: retry later.

    `retry_after` is the wait the helpdesk asked for, in seconds, when it named one.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ApiRefused(HelpdeskApiError):
    """The credentials were refused (401) or lack a permission (403): fix the settings."""


@dataclass(frozen=True, slots=True)
class SolvedPage:
    """One page of tickets solved since a checkpoint.

    `closes` are in the webhook's terms (team = the helpdesk group, before mapping);
    `unreadable` counts solved tickets that could not become a close (e.g. a requester
    without a visible e-mail). Poll again from `checkpoint` while `more` is true; once it
    is false, `checkpoint` is where the next poll starts.
    """

    closes: tuple[ConversationClosed, ...]
    checkpoint: str
    more: bool
    unreadable: int = 0


class HelpdeskApi(Protocol):
    """One connected helpdesk's API (`source` is the webhook source's name)."""

    source: str

    async def person_email(self, person_id: str) -> str | None:
        """The e-mail of the helpdesk's person `person_id`, None when it hides or lacks one.

        Raise `ApiUnavailable` or `ApiRefused`.
        """
        ...

    async def group_name(self, group_id: str) -> str | None:
        """The name of a helpdesk group known by id (what teams are mapped by)."""
        ...

    def checkpoint_at(self, since: datetime) -> str:
        """A checkpoint that starts polling at `since`."""
        ...

    async def solved_since(self, checkpoint: str) -> SolvedPage:
        """The next page of tickets solved since `checkpoint`. Raise `HelpdeskApiError`."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP session."""
        ...
