"""The intake batcher: closes that arrive together are stored by one commit.

A webhook answers 202 only once its close is durably stored, and the commit is most of
what storing a close costs. So the closes of requests that are ready to run at the
same moment are written in one transaction (`Store.accept_closes`), and each request
still gets its own answer, and only once that commit is done. A close that breaks the
group's transaction is retried alone, so only it fails and nothing of it is written.

It is the app's, not the core's: it decides nothing, it only trades a tick of the event
loop for fewer commits, and only `serve` has the traffic for it to pay.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import StoreUnavailable, UnknownTeam
from bot.domain.events import ConversationClosed
from bot.ports.store import Store


@dataclass(frozen=True, slots=True)
class _Waiting:
    event: ConversationClosed
    now: datetime
    answer: asyncio.Future[bool]

    def settle(self, outcome: bool | UnknownTeam) -> None:
        if self.answer.done():  # the request went away; its close is stored all the same
            return
        if isinstance(outcome, UnknownTeam):
            self.answer.set_exception(outcome)
        else:
            self.answer.set_result(outcome)

    def fail(self, error: BaseException) -> None:
        if not self.answer.done():
            self.answer.set_exception(error)


class IntakeBatcher:
    """`Services.intake` for the server: one transaction per group of closes."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._waiting: list[_Waiting] = []
        # Groups being committed: the event loop keeps only weak references to tasks.
        self._committing: set[asyncio.Task[None]] = set()

    async def accept(self, event: ConversationClosed, *, now: datetime) -> bool:
        """Stored durably when this returns: True when new, False for the same close again.

        Raise `UnknownTeam`, or what storing this close alone raised.
        """
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[bool] = loop.create_future()
        self._waiting.append(_Waiting(event, now, answer))
        if len(self._waiting) == 1:
            # After the requests already ready to run have added theirs.
            loop.call_soon(self._start_group)
        return await answer

    def _start_group(self) -> None:
        group, self._waiting = self._waiting, []
        task = asyncio.ensure_future(self._commit(group))
        self._committing.add(task)
        task.add_done_callback(self._committing.discard)

    async def _commit(self, group: list[_Waiting]) -> None:
        try:
            outcomes = await self._store.accept_closes([(each.event, each.now) for each in group])
        except StoreUnavailable as error:
            # Alone, each would meet the same outage: every request answers 503 at once.
            for each in group:
                each.fail(error)
            return
        except Exception:
            for each in group:
                await self._accept_alone(each)
            return
        except BaseException as error:  # cancelled on shutdown: no request may hang
            for each in group:
                each.fail(error)
            raise
        for each, outcome in zip(group, outcomes, strict=True):
            each.settle(outcome)

    async def _accept_alone(self, waiting: _Waiting) -> None:
        try:
            (outcome,) = await self._store.accept_closes([(waiting.event, waiting.now)])
        except Exception as error:
            waiting.fail(error)
            return
        waiting.settle(outcome)
