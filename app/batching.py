"""Requests that arrive together are written by one commit, each answered after it.

A webhook answers 202 and a click its ack only once what they carry is durably stored,
and the commit (and on PostgreSQL the pooled connection and round trips around it) costs
more than the statements inside. So the items of requests ready to run at the same moment
are handed to one batch, and each request still gets its own answer, only once that batch
is committed. A batch that fails is run again item by item, so only the failing item fails
and nothing of it is written; an outage fails every item at once.

The app's, not the core's: it decides nothing, it only trades a tick of the event loop for
fewer commits, and only `serve` has the traffic for it to pay. `app.intake` (closes) and
`app.group_commit` (any unit of work) are its two uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.domain.errors import StoreUnavailable

Item = TypeVar("Item")
Result = TypeVar("Result")
# One batch's results, in the order of its items; an exception is that item's failure
# alone (a close for an unknown team), the others still committed.
RunBatch = Callable[[list[Item]], Awaitable[Sequence[Result | Exception]]]


@dataclass(frozen=True, slots=True)
class _Waiting(Generic[Item, Result]):
    item: Item
    answer: asyncio.Future[Result]

    def settle(self, outcome: Result | Exception) -> None:
        if self.answer.done():  # the request went away; its item is committed all the same
            return
        if isinstance(outcome, Exception):
            self.answer.set_exception(outcome)
        else:
            self.answer.set_result(outcome)

    def fail(self, error: BaseException) -> None:
        if not self.answer.done():
            self.answer.set_exception(error)


class Batcher(Generic[Item, Result]):
    """Gathers the items submitted in one tick of the event loop, or within a short
    window, into batches."""

    def __init__(self, run_batch: RunBatch[Item, Result], *, max_batch: int | None = None,
                 gather: float = 0.0) -> None:
        """`gather`: seconds a batch waits, from its first item, for others to join it;
        0 for the items of one tick of the event loop only."""
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._gather = gather
        self._waiting: list[_Waiting[Item, Result]] = []
        # Batches being committed: the event loop keeps only weak references to tasks.
        self._committing: set[asyncio.Task[None]] = set()

    async def submit(self, item: Item) -> Result:
        """The item's result once its batch is committed; or what running it alone raised,
        or `StoreUnavailable` when the database is."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Result] = loop.create_future()
        self._waiting.append(_Waiting(item, answer))
        if len(self._waiting) == 1:
            if self._gather:
                loop.call_later(self._gather, self._start_batches)
            else:
                # After the requests already ready to run have added theirs.
                loop.call_soon(self._start_batches)
        return await answer

    def _start_batches(self) -> None:
        waiting, self._waiting = self._waiting, []
        size = self._max_batch or len(waiting)
        for start in range(0, len(waiting), size):
            task = asyncio.ensure_future(self._commit(waiting[start:start + size]))
            self._committing.add(task)
            task.add_done_callback(self._committing.discard)

    async def _commit(self, batch: list[_Waiting[Item, Result]]) -> None:
        try:
            outcomes = await self._run_batch([each.item for each in batch])
        except StoreUnavailable as error:
            # Alone, each would meet the same outage: every request hears of it at once.
            for each in batch:
                each.fail(error)
            return
        except Exception as error:
            if len(batch) == 1:  # it ran alone already
                batch[0].fail(error)
                return
            for each in batch:
                await self._alone(each)
            return
        except BaseException as error:  # cancelled on shutdown: no request may hang
            for each in batch:
                each.fail(error)
            raise
        for each, outcome in zip(batch, outcomes, strict=True):
            each.settle(outcome)

    async def _alone(self, waiting: _Waiting[Item, Result]) -> None:
        try:
            (outcome,) = await self._run_batch([waiting.item])
        except Exception as error:
            waiting.fail(error)
            return
        waiting.settle(outcome)
