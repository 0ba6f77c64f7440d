"""The store's part for a chat platform's directory: who is who there, by email, kept
between syncs so a first prompt to someone new needs no lookup of its own.

A sync lists the platform's people page by page (Slack's `users.list`); where it got to
and who runs it are the store's `Checkpoints` (one source per platform directory).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """One person of the platform's directory: only what reaching them needs.

    `updated` is the platform's own change stamp: an entry whose stamp did not move is
    not written again.
    """

    user_id: str
    email: str
    timezone: str | None = None
    locale: str | None = None
    updated: int = 0


@dataclass(frozen=True, slots=True)
class DirectoryPage:
    """What one page of a sync changed: entries written, entries dropped, prompts that
    were waiting for these people and are due again."""

    written: int
    dropped: int
    due_again: int


class Directory(Protocol):
    """A platform's people by email; rows go with a person's erasure and with the platform."""

    async def save_directory_page(
        self, platform: str, entries: Sequence[DirectoryEntry], gone: Sequence[str], *,
        at: datetime, waiting_reason: str,
    ) -> DirectoryPage:
        """Keep `entries` (only those that changed), drop the ids in `gone` (deactivated,
        bots), in one transaction; entries of someone who erased themselves are not kept.

        Pending prompts of these people that were put off with `waiting_reason` are made
        due at `at`: they waited for this page.
        """
        ...

    async def directory_entry(self, platform: str, email: str) -> DirectoryEntry | None:
        """The entry for `email` (any case), or None when the directory does not know it."""
        ...

    async def drop_directory_unseen(self, platform: str, *, before: datetime) -> int:
        """Drop the entries no sync has seen since `before` (people who left); how many."""
        ...

    async def end_directory_waits(self, reason: str, *, at: datetime) -> int:
        """Make due at `at` every pending prompt put off with `reason`: the sync is over,
        and whoever it did not find is looked up by email instead."""
        ...
