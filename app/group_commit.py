"""Group commit: units of work that arrive together share one transaction and one commit.

A person's click is answered only once its rating is committed, and on PostgreSQL the
transaction around it (a pooled connection, BEGIN, COMMIT and its WAL flush) costs more
than the statements inside. So the units of work ready to run at the same moment run one
after another inside one transaction, and each caller gets its own result, only once
that commit is done. A unit that fails makes the group roll back; each unit is then
run again alone, so only the failing one fails and nothing of it is written.

The same mechanism as `app.intake.IntakeBatcher`, for any unit of work: what a unit does
is the flow's (`Services.units`); this only trades a tick of the event loop for fewer
commits, and only `serve` has the traffic for it to pay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.domain.errors import StoreUnavailable
from bot.ports.store import Store

T = TypeVar("T")
Work = Callable[[Store], Awaitable[Any]]
# A group's units run one after another while its transaction is open, each a few round
# trips on PostgreSQL: beyond this many, the last caller waits too long for the others,
# while more groups could have run side by side on other connections.
MAX_GROUP = 16


@dataclass(frozen=True, slots=True)
class _Waiting:
    work: Work
    answer: asyncio.Future[Any]

    def settle(self, result: object) -> None:
        if not self.answer.done():  # the caller went away; its unit is committed all the same
            self.answer.set_result(result)

    def fail(self, error: BaseException) -> None:
        if not self.answer.done():
            self.answer.set_exception(error)


class GroupCommit:
    """`Services.units` for the server: one transaction per group of units of work."""

    def __init__(self, store: Store, *, max_group: int = MAX_GROUP) -> None:
        self._store = store
        self._max_group = max_group
        self._waiting: list[_Waiting] = []
        # Groups being committed: the event loop keeps only weak references to tasks.
        self._committing: set[asyncio.Task[None]] = set()

    async def run(self, work: Callable[[Store], Awaitable[T]]) -> T:
        """`work(tx)` inside a transaction, committed when this returns; its result.

        Raise what `work` raised when run alone (nothing of it is then written), or
        `StoreUnavailable` when the database is.
        """
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[T] = loop.create_future()
        self._waiting.append(_Waiting(work, answer))
        if len(self._waiting) == 1:
            # After the requests already ready to run have added theirs.
            loop.call_soon(self._start_groups)
        return await answer

    def _start_groups(self) -> None:
        waiting, self._waiting = self._waiting, []
        for start in range(0, len(waiting), self._max_group):
            task = asyncio.ensure_future(self._commit(waiting[start:start + self._max_group]))
            self._committing.add(task)
            task.add_done_callback(self._committing.discard)

    async def _commit(self, group: list[_Waiting]) -> None:
        try:
            async with self._store.transaction() as tx:
                results = [await each.work(tx) for each in group]
        except StoreUnavailable as error:
            # Alone, each would meet the same outage: every caller hears of it at once.
            for each in group:
                each.fail(error)
            return
        except Exception as error:
            if len(group) == 1:  # it ran alone already
                group[0].fail(error)
                return
            for each in group:
                await self._alone(each)
            return
        except BaseException as error:  # cancelled on shutdown: no caller may hang
            for each in group:
                each.fail(error)
            raise
        for each, result in zip(group, results, strict=True):
            each.settle(result)

    async def _alone(self, waiting: _Waiting) -> None:
        try:
            async with self._store.transaction() as tx:
                result = await waiting.work(tx)
        except Exception as error:
            waiting.fail(error)
            return
        waiting.settle(result)
