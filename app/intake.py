"""The intake batcher: closes that arrive together are stored by one commit.

A webhook answers 202 only once its close is durably stored, and the commit is most of
what storing a close costs. So the closes of requests ready to run at the same moment are
written by one `Store.accept_closes`, through the app's `Batcher`: each request still gets
its own answer, only once that commit is done, and a close that breaks the group's
transaction is retried alone, so only it fails and nothing of it is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from app.batching import Batcher
from bot.domain.errors import UnknownTeam
from bot.domain.events import ConversationClosed
from bot.ports.store import Store

Close = tuple[ConversationClosed, datetime]


class IntakeBatcher:
    """`Services.intake` for the server: one transaction per group of closes."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._batcher: Batcher[Close, bool] = Batcher(self._accept_closes)

    async def accept(self, event: ConversationClosed, *, now: datetime) -> bool:
        """Stored durably when this returns: True when new, False for the same close again.

        Raise `UnknownTeam`, or what storing this close alone raised.
        """
        return await self._batcher.submit((event, now))

    async def _accept_closes(self, closes: list[Close]) -> Sequence[bool | UnknownTeam]:
        return await self._store.accept_closes(closes)
