"""The store, in the domain's terms: one `Store` made of one part per aggregate.

`storage.SqlStore` implements all of it; flows receive it as `Services.store`. Every
method is one transaction unless it runs inside `Store.transaction()`.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from bot.ports.store.after_score import AfterScoreAnswers
from bot.ports.store.anonymity import AnonymousBatches
from bot.ports.store.checkpoints import Checkpoints
from bot.ports.store.conversations import Conversations
from bot.ports.store.directory import Directory
from bot.ports.store.people import People
from bot.ports.store.personal import PersonalRecords
from bot.ports.store.prompts import Prompts
from bot.ports.store.pulses import Pulses
from bot.ports.store.ratings import Ratings
from bot.ports.store.reminders import Reminders
from bot.ports.store.reports import Reports
from bot.ports.store.request_checks import RequestChecks
from bot.ports.store.retention import Retention
from bot.ports.store.teams import TeamsAndSettings


class Store(
    TeamsAndSettings, People, Conversations, Prompts, Ratings, Reports, Checkpoints, Retention,
    AnonymousBatches, PersonalRecords, Directory, Reminders, RequestChecks, Pulses,
    AfterScoreAnswers, Protocol,
):
    """Storage, in the domain's terms: every part, one implementation.

    Each method is one transaction of its own, unless called on the store that
    `transaction()` yields.
    """

    async def ping(self) -> None:
        """Raise `StoreUnavailable` when the database cannot be reached."""
        ...

    async def close(self) -> None: ...

    def transaction(self) -> AbstractAsyncContextManager[Store]:
        """A flow's unit of work: the store it yields runs every call in one transaction.

        `async with store.transaction() as tx:` then read facts, decide (pure), and write
        the outcome through `tx`; it commits when the block ends and rolls back on error.
        Await nothing but `tx` inside. Nested, it joins the outer transaction.
        """
        ...
