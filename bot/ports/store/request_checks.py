"""The store's part for mutual rating: the checks sent to agents, and their answers apart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.model import Person, Team
from bot.domain.request_checks import Clarity, NewRequestCheck, Reach, RequestFigures


@dataclass(frozen=True, slots=True)
class CheckFacts:
    """A check as its sender or its answer needs it."""

    id: int
    status: str  # pending, sending, sent, failed
    attempts: int
    team: Team
    agent: Person
    subject: str | None
    ticket_id: str | None
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Answered:
    """What an answer says now (either may still be unanswered)."""

    clarity: Clarity | None
    reach: Reach | None


class RequestChecks(Protocol):
    async def open_request_checks(
        self, checks: Sequence[NewRequestCheck], *, now: datetime
    ) -> None:
        """Store the checks to send, due `now`; a conversation that has one keeps it alone
        (a reopened and closed again conversation is not asked about twice)."""
        ...

    async def due_request_checks(self, *, now: datetime, limit: int) -> list[CheckFacts]:
        """Pending checks whose time has come, oldest first."""
        ...

    async def claim_request_check(self, check_id: int) -> bool:
        """Pending to sending, in one statement that succeeds once: True for the one caller
        that may send it (of two workers, the other gets False)."""
        ...

    async def request_check_sent(
        self, check_id: int, *, platform: str, expires_at: datetime
    ) -> None: ...

    async def request_check_not_sent(
        self, check_id: int, *, attempts: int, retry_at: datetime | None
    ) -> None:
        """Pending again until `retry_at`; None: failed for good."""
        ...

    async def request_check(self, check_id: int) -> CheckFacts | None: ...

    async def record_request_answer(
        self, *, marker: str, answer_id: int, team_id: int, day: datetime,
        receipt_hash: str, answer: Clarity | Reach,
    ) -> bool:
        """A check's first answer, stored apart; False (nothing stored) when the check's
        `marker` says it was answered before."""
        ...

    async def change_request_answer(
        self, *, team_id: int, receipt_hash: str, answer: Clarity | Reach | None = None
    ) -> Answered | None:
        """Change one answer found by its receipt (None: only read it); None if gone."""
        ...

    async def request_figures(
        self, *, since: datetime, team_ids: Sequence[int]
    ) -> dict[int, RequestFigures]:
        """Each team's answers counted since `since`."""
        ...

    async def request_answers_to_shuffle(self, *, before: datetime) -> list[int]:
        """The answers of days before `before` not yet written again in random order."""
        ...

    async def rewrite_request_answers(self, order: Sequence[tuple[int, int]]) -> None:
        """Write the answers again, one at a time in `order`, each under its new id: the
        engine's own row order then says nothing about when each was given."""
        ...
