"""The store's part for the reconcile poll: where each helpdesk's poll resumes, and who polls."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol


class Checkpoints(Protocol):
    """One row per helpdesk source: its checkpoint and the replica's lease on polling it."""

    async def claim_poll(self, source: str, *, now: datetime, lease: timedelta) -> bool:
        """Take the lease on polling `source`: True for exactly one replica at a time.

        A lease older than `lease` (its holder died) can be taken over.
        """
        ...

    async def release_poll(self, source: str) -> None:
        """Give the lease back, so the next poll need not wait for it to expire."""
        ...

    async def poll_checkpoint(self, source: str) -> str | None:
        """Where the last poll of `source` stopped (the connector's own text), None at first."""
        ...

    async def save_checkpoint(self, source: str, checkpoint: str, *, at: datetime) -> None:
        """Store where the poll got to, and renew its lease (`at`)."""
        ...
