"""The intake batcher: closes that arrive together are stored by one commit.

A webhook answers 202 only once its close is durably stored, and the commit is most of
what storing a close costs. So the closes of requests arriving within half a millisecond
(`GATHER_SECONDS`) are written by one `Store.accept_closes`, through the app's `Batcher`:
each request still gets its own answer, only once that commit is done, and a close that
breaks the group's transaction is retried alone, so only it fails and nothing of it is
written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from app.batching import Batcher
from bot.domain.errors import UnknownTeam
from bot.domain.events import ConversationClosed
from bot.ports.store import Store

Close = tuple[ConversationClosed, datetime]


# How long a close waits for others to share its commit. Webhooks under load arrive a few
# at a time, each tick of the event loop taking only those its sockets had ready: without
# the wait a group held three or four, and the BEGIN and COMMIT around each group cost a
# webhook more than its insert. Half a millisecond gathered groups several times larger and
# gave 20-30% more webhooks a second (`python -m bench intake`); 3 ms left the server idle,
# waiting. A helpdesk waiting on its 202 does not notice it.
GATHER_SECONDS = 0.0005


class IntakeBatcher:
    """`Services.intake` for the server: one transaction per group of closes."""

    def __init__(self, store: Store, *, gather: float = GATHER_SECONDS) -> None:
        self._store = store
        self._batcher: Batcher[Close, bool] = Batcher(self._accept_closes, gather=gather)

    async def accept(self, event: ConversationClosed, *, now: datetime) -> bool:
        """Stored durably when this returns: True when new, False for the same close again.

        Raise `UnknownTeam`, or what storing this close alone raised.
        """
        return await self._batcher.submit((event, now))

    async def _accept_closes(self, closes: list[Close]) -> Sequence[bool | UnknownTeam]:
        return await self._store.accept_closes(closes)
