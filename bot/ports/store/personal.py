"""The store's part for what a person may ask about themselves: their data, their erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain.personal_data import PersonalData


class PersonalRecords(Protocol):
    """A person's own data, and erasing themselves (the opt-out outlives it, keyed)."""

    async def personal_data(self, person_id: int) -> PersonalData | None:
        """Everything stored about the person; None when unknown or already forgotten.

        Ratings stored without a person (anonymous teams) are not theirs to find.
        """
        ...

    async def forget_self(self, person_id: int, *, at: datetime) -> int:
        """Erase the person as `forget_person` does, keep their opt-out as keyed hashes of
        their email and platform ids, and audit it without naming them.

        Returns how many ratings were kept without a person; raise `NotFound` when the
        person is unknown or already forgotten.
        """
        ...

    async def keep_own_choice(self, person_id: int) -> None:
        """Drop the keyed hashes of the person's ids, so their own later choice (an opt-in)
        wins over the opt-out kept from an earlier `forget_self`."""
        ...
