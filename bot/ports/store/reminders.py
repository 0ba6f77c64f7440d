"""The store's part for reminders: which sent prompts may be reminded of, and the claim
that lets exactly one worker send each reminder."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.reminders import ReminderCandidate


class Reminders(Protocol):
    async def reminder_candidates(
        self, *, now: datetime, margin: timedelta, limit: int,
        after: tuple[datetime, int] | None = None,
    ) -> list[ReminderCandidate]:
        """Sent, unanswered, never reminded prompts whose team's delay has passed and that
        expire more than `margin` after `now`, of people not opted out; oldest sent first,
        by (sent at, prompt id), from just after `after` (the last one of a page before).

        Working hours are the caller's to check (`bot.domain.reminders.reminder_due`).
        """
        ...

    async def claim_reminder(self, prompt_id: int, *, now: datetime) -> bool:
        """Mark the prompt reminded, in one statement that succeeds once: True for the
        one caller that may send its reminder, False when it was answered, expired or
        reminded meanwhile (by another replica, say)."""
        ...
