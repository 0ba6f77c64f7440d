"""Group commit: units of work that arrive together share one transaction and one commit.

A person's click is answered only once its rating is committed, and on PostgreSQL the
transaction around it (a pooled connection, BEGIN, COMMIT and its WAL flush) costs more
than the statements inside. So the units of work ready to run at the same moment run one
after another inside one transaction, and each caller gets its own result, only once
that commit is done. A unit that fails makes the group roll back; each unit is then
run again alone, so only the failing one fails and nothing of it is written.

The app's `Batcher` (as `app.intake.IntakeBatcher` uses it for closes) with a transaction
around each group: what a unit does is the flow's (`Services.units`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from app.batching import Batcher
from bot.ports.store import Store

T = TypeVar("T")
Work = Callable[[Store], Awaitable[Any]]
# A group's units run one after another while its transaction is open, each a few round
# trips on PostgreSQL: beyond this many, the last caller waits too long for the others,
# while more groups could have run side by side on other connections.
MAX_GROUP = 16


class GroupCommit:
    """`Services.units` for the server: one transaction per group of units of work."""

    def __init__(self, store: Store, *, max_group: int = MAX_GROUP) -> None:
        self._store = store
        self._batcher: Batcher[Work, Any] = Batcher(self._run_group, max_batch=max_group)

    async def run(self, work: Callable[[Store], Awaitable[T]]) -> T:
        """`work(tx)` inside a transaction, committed when this returns; its result.

        Raise what `work` raised when run alone (nothing of it is then written), or
        `StoreUnavailable` when the database is.
        """
        result: T = await self._batcher.submit(work)
        return result

    async def _run_group(self, group: list[Work]) -> list[Any]:
        async with self._store.transaction() as tx:
            return [await work(tx) for work in group]
