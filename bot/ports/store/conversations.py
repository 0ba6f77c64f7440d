"""The store's part for closes accepted, settled into prompts, and withdrawn."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from bot.domain.decisions import (
    AskingFacts,
    ConversationRound,
    PendingClose,
    Settlement,
)
from bot.domain.errors import UnknownTeam
from bot.domain.events import ConversationClosed
from bot.domain.identity import PersonIdentity
from bot.domain.model import Person, Prompt


class Conversations(Protocol):
    """Closes accepted, claimed for settling, decided and withdrawn; no rules, no callbacks.

    The flows (`bot.flows.settling`) decide; these read the facts and write the outcome,
    inside the flow's `Store.transaction()`.
    """

    async def accept_closes(
        self, closes: Sequence[tuple[ConversationClosed, datetime]]
    ) -> list[bool | UnknownTeam]:
        """Store closes durably, undecided, in one transaction; each with when it arrived.

        For each: True when stored, False when it is the same close again (also the
        second of one ticket in `closes`), or the `UnknownTeam` that refused it (nothing
        of it is written).
        """
        ...

    async def claim_closes(self, *, now: datetime, limit: int) -> list[PendingClose]:
        """Up to `limit` accepted closes due to be settled, locked to this transaction
        (SKIP LOCKED: several replicas claim side by side)."""
        ...

    async def find_conversation(self, source: str, ticket_id: str) -> ConversationRound | None:
        """The conversation and its current round, locked to this transaction."""
        ...

    async def claim_pending_close(self, conversation_id: int) -> PendingClose | None:
        """The conversation's close still waiting to be settled, locked; None when none is."""
        ...

    async def resolve_people(
        self, identities: Sequence[tuple[PersonIdentity, datetime]]
    ) -> list[Person | None]:
        """The stored person for each identity, inserted (as of its time) or completed.

        Set-based: one read and one insert for all of them. None for an empty identity.
        """
        ...

    async def asking_facts(
        self, *, team_ids: Collection[int], person_ids: Collection[int],
        not_counting: Collection[int] = (), known: Collection[Person] = (),
    ) -> AskingFacts:
        """The teams, people, agents, matching exclusions and newest asks of a batch.

        A prompt in `not_counting` is left out of the newest asks (it is the one re-checked).
        People in `known` were read (or written) in this transaction: they are not read
        again.
        """
        ...

    async def store_settlements(self, settlements: Sequence[Settlement]) -> list[Prompt]:
        """Write each close's people and prompt and clear what was pending; the prompts.

        A round that has a prompt already keeps it, and that one is returned.
        """
        ...

    async def put_off_close(
        self, conversation_id: int, *, failed_attempts: int, retry_at: datetime
    ) -> None:
        """Count a failed attempt at settling the close; it is claimed again from `retry_at`."""
        ...

    async def withdraw_round(
        self, conversation: ConversationRound, *, at: datetime
    ) -> Prompt | None:
        """Mark the conversation reopened and skip its round's unanswered prompt (returned)."""
        ...

    async def prompt_of_round(self, conversation_id: int, round_: int) -> Prompt | None: ...

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """Inside a transaction: what raises in the block is rolled back alone, then re-raised.

        An outage (the database gone) is re-raised as `StoreUnavailable`: the transaction
        itself is lost.
        """
        ...
