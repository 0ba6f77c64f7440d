"""Reconciliation: the closes whose webhook never came, found by asking the helpdesk.

A helpdesk gives up on a webhook after its retries, and ratebot may be down for longer
than they last. So each connected helpdesk's API is asked, on a schedule, for the
tickets solved since the stored checkpoint, and every one goes through the same intake
as a webhook's close (`close_accepted`), where a close already known is a duplicate:
a close that came both ways asks once. One replica polls a source at a time (a lease
in the store); the checkpoint is saved after each page, so a poll cut short resumes
where it stopped and re-reads at most one page (whose closes are then duplicates).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.errors import UnknownTeam
from bot.domain.events import ConversationClosed
from bot.flows.asking import close_accepted
from bot.ports.helpdesk_api import HelpdeskApi
from bot.services import Services

log = logging.getLogger(__name__)

# A poll holds its source this long without saving a checkpoint before another may take it.
DEFAULT_LEASE = timedelta(minutes=10)
# Where the first scheduled poll of a source starts.
FIRST_LOOK_BACK = timedelta(days=1)
# Pages read by one run at most; the next run goes on from the checkpoint.
MAX_PAGES = 50

# Puts a vendor's close into its ratebot team (bot.flows.source_mapping.TeamRouter).
Route = Callable[[ConversationClosed], Awaitable[ConversationClosed]]


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What one run found, in counts only (no ticket or person is named)."""

    source: str
    found: int = 0  # solved tickets read as closes
    accepted: int = 0  # new closes: their webhook never came (a dry run accepts none)
    duplicates: int = 0  # closes ratebot already had
    unmapped: int = 0  # their group maps to no team (and there is no default team)
    unreadable: int = 0  # solved tickets that cannot be a close (e.g. no requester e-mail)
    pages: int = 0
    complete: bool = True  # False: stopped after MAX_PAGES; the next run goes on


@dataclass(slots=True)
class _Counts:
    found: int = 0
    accepted: int = 0
    duplicates: int = 0
    unmapped: int = 0
    unreadable: int = 0
    pages: int = 0


async def reconcile(
    services: Services,
    api: HelpdeskApi,
    route: Route,
    *,
    since: datetime | None = None,
    dry_run: bool = False,
    lease: timedelta = DEFAULT_LEASE,
    max_pages: int = MAX_PAGES,
) -> ReconcileReport | None:
    """Poll `api` once; None when another replica is polling the same source.

    Without `since` the poll starts at the stored checkpoint and saves where it got to
    (the scheduled run). With `since` (a run by hand) it starts there and leaves the
    stored checkpoint alone. A dry run reads and counts, and accepts nothing.
    Raise `HelpdeskApiError` when the API fails; what was accepted before stays.
    """
    store = services.store
    source = api.source
    if not dry_run and not await store.claim_poll(source, now=services.clock.now(), lease=lease):
        log.info("reconcile %s: another replica is polling it", source)
        return None
    try:
        counts = _Counts()
        complete = await _poll(services, api, route, counts, since, dry_run, max_pages)
    finally:
        if not dry_run:
            await store.release_poll(source)
    report = ReconcileReport(
        source, counts.found, counts.accepted, counts.duplicates, counts.unmapped,
        counts.unreadable, counts.pages, complete,
    )
    log.info(
        "reconcile %s%s: %d pages, %d closes found, %d new, %d known, %d unmapped, "
        "%d unreadable", source, " (dry run)" if dry_run else "", report.pages, report.found,
        report.accepted, report.duplicates, report.unmapped, report.unreadable,
    )
    return report


async def _poll(
    services: Services,
    api: HelpdeskApi,
    route: Route,
    counts: _Counts,
    since: datetime | None,
    dry_run: bool,
    max_pages: int,
) -> bool:
    """Read pages into `counts`; True when the helpdesk had nothing more to give."""
    keep = since is None and not dry_run
    checkpoint = await _start(services, api, since)
    while counts.pages < max_pages:
        page = await api.solved_since(checkpoint)
        counts.pages += 1
        counts.unreadable += page.unreadable
        for close in page.closes:
            counts.found += 1
            await _feed(services, route, close, counts, dry_run)
        checkpoint = page.checkpoint
        if keep:
            await services.store.save_checkpoint(api.source, checkpoint, at=services.clock.now())
        if not page.more:
            return True
    return False


async def _start(services: Services, api: HelpdeskApi, since: datetime | None) -> str:
    if since is not None:
        return api.checkpoint_at(since)
    stored = await services.store.poll_checkpoint(api.source)
    return stored or api.checkpoint_at(services.clock.now() - FIRST_LOOK_BACK)


async def _feed(
    services: Services, route: Route, close: ConversationClosed, counts: _Counts, dry_run: bool
) -> None:
    try:
        routed = await route(close)
        if dry_run:
            return
        if await close_accepted(services, routed):
            counts.accepted += 1
        else:
            counts.duplicates += 1
    except UnknownTeam:
        counts.unmapped += 1
