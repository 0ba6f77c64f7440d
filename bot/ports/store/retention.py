"""The store's part for retention: the day's run lease, and what is older than a limit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.domain.retention import RetentionKind


class Retention(Protocol):
    """Counting and removing what a team keeps past its limits; one run per day.

    What must stay (see `bot.domain.retention`: live prompts, anything about an open
    follow-up) is never counted nor removed. `cutoffs` holds a team's kinds with a
    limit (older than the cutoff goes); `kind` must be one of them. Removal is a batch
    of at most `limit` rows, so a run through years of backlog keeps each transaction
    short.
    """

    async def claim_retention_run(
        self, day: date, *, now: datetime, lease: timedelta, again: bool = False
    ) -> bool:
        """Take the day's run: True for exactly one replica while it holds the lease.

        A day already finished is not run again unless `again` (a run by hand); a
        claim older than `lease` (its holder died) can be taken over.
        """
        ...

    async def renew_retention_run(self, day: date, *, now: datetime) -> None:
        """Keep the lease of a run that is still at work."""
        ...

    async def finish_retention_run(
        self, day: date, *, at: datetime, actor: str, detail: dict[str, object]
    ) -> None:
        """Mark the day's run done and write its audit entry (`detail`: counts only)."""
        ...

    async def release_retention_run(self, day: date) -> None:
        """Give an unfinished run back (it failed): the next attempt may take it at once."""
        ...

    async def count_expired(
        self, team_id: int, kind: RetentionKind, cutoffs: Mapping[RetentionKind, datetime],
        *, now: datetime,
    ) -> int:
        """How many of `kind` in the team a run with these cutoffs removes.

        It counts what the kinds before it (in `RetentionKind` order) will have
        removed by then: a rating's names go, and then the prompt they were linked by.
        """
        ...

    async def remove_expired(
        self, team_id: int, kind: RetentionKind, cutoffs: Mapping[RetentionKind, datetime],
        *, now: datetime, limit: int,
    ) -> int:
        """Remove at most `limit` of `kind` past the team's cutoffs; how many went."""
        ...
