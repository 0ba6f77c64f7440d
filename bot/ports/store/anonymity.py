"""The store's part for anonymity: answer counts, replay markers and the nightly batches."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from bot.domain.anonymity import Batch, HeldRating


class AnonymousBatches(Protocol):
    """What keeps anonymous ratings unlinkable; the rules are `bot.domain.anonymity`'s."""

    async def count_anonymous_answer(self, team_id: int, day: date) -> None:
        """One more first answer in the team that day: the digest's response rate."""
        ...

    async def was_answered(self, marker: str) -> bool:
        """Whether an answer left this marker (`anonymity.answered_marker`)."""
        ...

    async def mark_answered(self, marker: str, day: date) -> None: ...

    async def claim_anonymity_run(self, day: date, *, at: datetime) -> bool:
        """True once per `day` across replicas; joins the caller's transaction, so a run
        that fails releases the claim with everything else it wrote."""
        ...

    async def held_ratings(self, team_id: int) -> list[HeldRating]:
        """The team's anonymous ratings not yet released in a batch."""
        ...

    async def last_released(self, team_id: int, *, since: datetime) -> list[HeldRating]:
        """The team's released ratings of the latest day at or after `since` that has any."""
        ...

    async def release_batch(self, batch: Batch) -> None:
        """Rewrite the batch's ratings (and their follow-ups) in its order, under their new
        ids and its day: delete, then insert again, so no row keeps its place."""
        ...

    async def reclaim_rewritten(self) -> None:
        """Outside any transaction: free what a batch deleted, where the engine keeps dead
        row versions in their old order (PostgreSQL, until a vacuum)."""
        ...

    async def fresh_markers(self) -> list[str]:
        """The answered markers written since the last run."""
        ...

    async def rewrite_markers(self, markers: list[str], *, forget_before: date) -> None:
        """Write `markers` again in this order; drop those older than `forget_before`."""
        ...
