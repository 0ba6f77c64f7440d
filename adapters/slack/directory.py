"""Slack's directory, synced: who is who by email, so a first prompt costs no lookup.

Mapping people one by one (`users.lookupByEmail`, Tier 3, about 50 a minute) takes
200 minutes for 10,000 new people; `users.list` (Tier 2, about 20 pages a minute of up to
200 people) maps them in under 3. A sync lists every page, keeps what changed, drops the
deactivated, the bots and whoever Slack no longer lists, and remembers its cursor after
each page in the same transaction: an interrupted sync resumes where it stopped. While a
first sync runs, a prompt for someone it has not reached yet waits for their page (the page
makes it due again) instead of spending a lookup; afterwards, someone the directory does
not know (they joined since) is looked up by email, and kept.

Nothing personal is logged: counts only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.pacing import Pacer
from adapters.slack.ratelimit import RateLimitGate
from bot.domain.clock import Clock
from bot.flows.contact_book import ContactBook
from bot.ports.chat import AwaitingRecipient, DeliveryError, RateLimited, RecipientUnreachable
from bot.ports.store.directory import DirectoryEntry

log = logging.getLogger(__name__)

PLATFORM = "slack"
SOURCE = "slack-directory"  # the sync's checkpoint and lease in the store
PAGE_SIZE = 200  # users.list's recommended page size
# The prompt's reason while it waits for the first sync to reach its person.
WAITING = "slack: waiting for the directory"
# A sync that has not saved a page for this long is taken for dead (its lease lapses too).
LEASE = timedelta(minutes=10)
# The longest a prompt waits for the first sync; its page (or the sync's end) frees it sooner.
LONGEST_WAIT = timedelta(minutes=15)
NOT_LISTED = frozenset({"USLACKBOT"})
NO_SLACK_USER = "no Slack user has this email"
DEACTIVATED = "the Slack account is deactivated"

Call = Callable[..., Awaitable[AsyncSlackResponse]]
PacerOf = Callable[[str], Pacer | None]


@dataclass(frozen=True, slots=True)
class Progress:
    """Where the sync is: the next page's cursor (None: start over) and when it last moved."""

    started: datetime
    at: datetime
    cursor: str | None = None
    completed: datetime | None = None  # the last time a sync reached the last page

    def text(self) -> str:
        return json.dumps({
            "started": self.started.isoformat(), "at": self.at.isoformat(),
            "cursor": self.cursor,
            "completed": self.completed.isoformat() if self.completed else None,
        })

    @classmethod
    def parse(cls, text: str | None) -> Progress | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            completed = data.get("completed")
            return cls(started=datetime.fromisoformat(data["started"]),
                       at=datetime.fromisoformat(data["at"]), cursor=data.get("cursor"),
                       completed=datetime.fromisoformat(completed) if completed else None)
        except (ValueError, KeyError, TypeError):
            return None  # unreadable: the next sync starts over


@dataclass(frozen=True, slots=True)
class SyncReport:
    pages: int = 0
    written: int = 0
    dropped: int = 0
    due_again: int = 0


def entries_of(members: list[Mapping[str, Any]]) -> tuple[list[DirectoryEntry], list[str]]:
    """A users.list page: the people to keep, and the ids to drop (deactivated, bots, no
    email to find them by)."""
    kept: list[DirectoryEntry] = []
    gone: list[str] = []
    for member in members:
        user_id = str(member.get("id") or "")
        if not user_id:
            continue
        profile: Mapping[str, Any] = member.get("profile") or {}
        email = str(profile.get("email") or "").strip().lower()
        if (member.get("deleted") or member.get("is_bot") or user_id in NOT_LISTED
                or not email):
            gone.append(user_id)
            continue
        kept.append(DirectoryEntry(
            user_id=user_id, email=email, timezone=member.get("tz") or None,
            locale=member.get("locale") or None, updated=int(member.get("updated") or 0),
        ))
    return kept, gone


class SlackDirectory:
    """The sync (`sync`, run on a schedule by one replica at a time) and the reads the
    delivery path makes (`find`, `wait_for`, `remember`)."""

    def __init__(self, client: AsyncWebClient, call: Call, pacer_of: PacerOf,
                 contacts: ContactBook, gate: RateLimitGate, clock: Clock, *,
                 page_size: int = PAGE_SIZE) -> None:
        self._client = client
        self._call = call  # SlackChat's: the gate, and a 429's window kept for everyone
        self._pacer_of = pacer_of  # SlackChat's: each method within its tier
        self._contacts = contacts
        self._gate = gate
        self._clock = clock
        self.page_size = page_size
        self._first_sync_here = False  # this process runs the first sync right now

    async def find(self, email: str) -> DirectoryEntry | None:
        return await self._contacts.directory_entry(PLATFORM, email)

    async def resolve(self, email: str | None) -> tuple[DirectoryEntry, bool]:
        """Who `email` is on Slack, and whether the directory listed them.

        Not listed: while the first sync runs, the prompt waits for it (`AwaitingRecipient`,
        no attempt counted); else one users.lookupByEmail, whose answer is kept.
        """
        if not email:
            raise RecipientUnreachable(NO_SLACK_USER)
        entry = await self.find(email)
        if entry is not None:
            return entry, True
        wait = await self.wait_for()
        if wait is not None:
            raise AwaitingRecipient(WAITING, retry_after=wait)
        pacer = self._pacer_of("users.lookupByEmail")
        if pacer is not None:
            await pacer.turn()
        found = await self._call(self._client.users_lookupByEmail, email=email)
        user: dict[str, Any] = found["user"]
        if user.get("deleted"):
            raise RecipientUnreachable(DEACTIVATED)
        await self.remember(user)
        return DirectoryEntry(user_id=str(user["id"]), email=email.strip().lower(),
                              timezone=user.get("tz") or None), False

    async def wait_for(self) -> float | None:
        """Seconds a prompt for someone not in the directory should wait for the first
        sync to reach them; None when it should be looked up by email at once."""
        if self._first_sync_here:
            return LONGEST_WAIT.total_seconds()
        progress = Progress.parse(await self._contacts.sync_progress(SOURCE))
        now = self._clock.now()
        if progress is None or progress.completed is not None or now - progress.at > LEASE:
            return None
        return LONGEST_WAIT.total_seconds()

    async def remember(self, user: Mapping[str, Any]) -> None:
        """Keep someone found by email (users.lookupByEmail) for the next prompt."""
        kept, _ = entries_of([user])
        if kept:
            await self._contacts.directory_page(PLATFORM, kept, [], waiting_reason=WAITING)

    async def sync(self) -> SyncReport | None:
        """List the whole directory (resuming an interrupted sync); None when another
        replica is at it."""
        if not await self._contacts.claim_sync(SOURCE, lease=LEASE):
            return None
        try:
            return await self._sync()
        finally:
            self._first_sync_here = False
            await self._contacts.release_sync(SOURCE)

    async def _sync(self) -> SyncReport:
        now = self._clock.now()
        progress = Progress.parse(await self._contacts.sync_progress(SOURCE))
        if progress is None or progress.cursor is None:
            completed = progress.completed if progress else None
            progress = Progress(started=now, at=now, completed=completed)
        self._first_sync_here = progress.completed is None
        # Said before the first page: prompts wait for this sync instead of looking up.
        await self._contacts.save_sync_progress(SOURCE, replace(progress, at=now).text())
        report = SyncReport()
        while True:
            page = await self._page(progress.cursor)
            if page is None:  # the cursor ran out (a sync resumed too late): start over
                progress = Progress(started=self._clock.now(), at=self._clock.now(),
                                    completed=progress.completed)
                continue
            kept, gone = entries_of(page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            at = self._clock.now()
            progress = replace(progress, cursor=cursor, at=at,
                               completed=at if cursor is None else progress.completed)
            saved = await self._contacts.directory_page(
                PLATFORM, kept, gone, waiting_reason=WAITING,
                progress=(SOURCE, progress.text()),
            )
            report = SyncReport(report.pages + 1, report.written + saved.written,
                                report.dropped + saved.dropped,
                                report.due_again + saved.due_again)
            if cursor is None:
                self._first_sync_here = False
                break
        unseen = await self._contacts.directory_unseen(PLATFORM, before=progress.started)
        freed = await self._contacts.end_directory_waits(WAITING)
        report = replace(report, dropped=report.dropped + unseen,
                         due_again=report.due_again + freed)
        log.info("slack directory synced: %d pages, %d written, %d dropped",
                 report.pages, report.written, report.dropped)
        return report

    async def _page(self, cursor: str | None) -> dict[str, Any] | None:
        """One users.list page, paced within Tier 2; a 429's window is waited out exactly."""
        pacer = self._pacer_of("users.list")
        while True:
            if pacer is not None:
                await pacer.turn()
            window = self._gate.window_of("users.list")
            try:
                found = await self._call(self._client.users_list, limit=self.page_size,
                                         cursor=cursor, include_locale=True)
            except RateLimited as limited:
                wait = await self._gate.remaining("users.list") or limited.retry_after or 1.0
                await self._gate.sleep(wait)
                continue
            except DeliveryError as error:
                if cursor is not None and "invalid_cursor" in error.reason:
                    return None
                raise
            if pacer is not None and self._gate.window_of("users.list") != window:
                pacer.restart()  # it went through after a 429's window: space from now
            return dict(found.data) if isinstance(found.data, dict) else {}
