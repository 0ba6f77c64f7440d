"""The store's part for tallies, exports and the weekly digest's facts and runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.backlog import Waiting
from bot.domain.tallies import DigestFacts, DigestRun, ExportRow, PromptTally, Tally


class Reports(Protocol):
    """Tallies, exports and the weekly digest's facts and runs."""

    async def tallies(
        self, *, since: datetime, until: datetime, team_ids: list[int] | None = None
    ) -> dict[int, Tally]:
        """Rating counts per team id for `since <= rated_at < until`, aggregated in SQL."""
        ...

    async def weekly_tallies(self, team_id: int, boundaries: list[datetime]) -> list[Tally]:
        """One tally per interval between consecutive `boundaries` (len - 1 results)."""
        ...

    async def prompt_tallies(
        self, *, since: datetime, until: datetime, team_ids: list[int] | None = None
    ) -> dict[int, PromptTally]:
        """Prompt outcomes per team id for prompts created in the period."""
        ...

    async def waiting(self, *, now: datetime, team_ids: list[int]) -> dict[int, Waiting]:
        """The pending prompts of each team in `team_ids`, whenever they were created."""
        ...

    def export_rows(self, *, team: str | None = None) -> AsyncIterator[ExportRow]:
        """Every rating, oldest first, with only what the team's anonymity allows."""
        ...

    async def digest_facts(
        self,
        team_id: int,
        edges: list[datetime],
        *,
        comments: int,
        with_names: bool,
        with_agents: bool,
    ) -> DigestFacts:
        """Read one team's digest facts in one transaction; no other team's rows are read.

        `edges` are increasing UTC instants (the week starts, then the end of the last
        week). Comment authors only with `with_names`; per-agent tallies only with
        `with_agents`.
        """
        ...

    async def claim_digest_run(
        self, team_id: int, period: str, *, now: datetime, lease: timedelta
    ) -> bool:
        """Atomically claim (team, period): True for exactly one caller.

        A claim that was never marked posted and is older than `lease` (or was
        released) can be claimed again; a posted run never can.
        """
        ...

    async def mark_digest_posted(
        self, team_id: int, period: str, *, at: datetime, late: bool, message_ref: str | None
    ) -> None: ...

    async def release_digest_run(self, team_id: int, period: str) -> None:
        """Give up a claim (nothing was posted) so a later attempt may claim it at once."""
        ...

    async def get_digest_run(self, team_id: int, period: str) -> DigestRun | None: ...
