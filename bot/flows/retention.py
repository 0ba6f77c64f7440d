"""Retention that runs by itself: once a day, each team's limits applied in small batches.

Every replica schedules the job; the day's lease in the store lets one of them run it,
once (a run that dies is taken over when its lease runs out). Each batch is a
transaction of its own, so years of backlog never hold a long lock, and renews the
lease. The run ends with one audit entry of counts per team and kind
(`RetentionReport.audit_detail`): what went, never whose. A dry run counts the same
conditions and changes nothing. The rules of what goes and what stays are in
`bot.domain.retention`.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from bot.domain.errors import UnknownTeam
from bot.domain.model import Team
from bot.domain.retention import RetentionKind, RetentionReport, TeamRemoval, run_day
from bot.services import Services

log = logging.getLogger(__name__)

# A run holds the day this long without renewing before another replica may take it.
DEFAULT_LEASE = timedelta(minutes=30)
DEFAULT_BATCH = 500
SCHEDULED_ACTOR = "retention"
# A chat directory entry no sync confirmed for this long goes (the sync stopped: Slack was
# disconnected); while syncs run, each drops whom the platform no longer lists.
DIRECTORY_UNCONFIRMED = timedelta(days=30)


async def apply_retention(
    services: Services, *, actor: str = SCHEDULED_ACTOR, by_hand: bool = False,
    batch: int = DEFAULT_BATCH, lease: timedelta = DEFAULT_LEASE,
) -> RetentionReport | None:
    """Run today's retention; None when it already ran today or another replica runs it.

    `by_hand` (`ratebot retention`) runs it again on a day it already ran, but never
    beside a run still at work.
    """
    now = services.clock.now()
    day = run_day(now)
    store = services.store
    if not await store.claim_retention_run(day, now=now, lease=lease, again=by_hand):
        return None
    try:
        removals = []
        for team in await store.list_teams():
            removals.append(await _apply_to_team(services, team, day, now, batch))
        unconfirmed = await store.drop_directory_unseen("slack", before=now - DIRECTORY_UNCONFIRMED)
        if unconfirmed:
            log.info("retention removed %d unconfirmed directory entries", unconfirmed)
    except BaseException:
        await store.release_retention_run(day)
        raise
    report = RetentionReport(day=day, teams=tuple(removals))
    await store.finish_retention_run(
        day, at=services.clock.now(), actor=actor, detail=report.audit_detail()
    )
    if report.total:
        log.info("retention removed %s", report.audit_detail()["removed"])
    return report


async def _apply_to_team(
    services: Services, team: Team, day: date, now: datetime, batch: int
) -> TeamRemoval:
    counts: dict[RetentionKind, int] = {}
    cutoffs = services.policy.retention.for_team(team).cutoffs(now)
    # In kind order: identities unlink prompts, which then go; closes go after their prompts.
    for kind in cutoffs:
        removed = 0
        while True:
            async with services.store.transaction() as tx:
                taken = await tx.remove_expired(team.id, kind, cutoffs, now=now, limit=batch)
                # Each batch renews the lease: however long the backlog, the run stays ours.
                await tx.renew_retention_run(day, now=services.clock.now())
            removed += taken
            if taken < batch:
                break
        counts[kind] = removed
    return TeamRemoval(team.name, counts)


async def preview_retention(services: Services, *, team: str | None = None) -> RetentionReport:
    """What a run now would remove, per team and kind; changes nothing."""
    now = services.clock.now()
    teams = await _teams(services, team)
    removals = []
    for each in teams:
        cutoffs = services.policy.retention.for_team(each).cutoffs(now)
        counts = {
            kind: await services.store.count_expired(each.id, kind, cutoffs, now=now)
            for kind in cutoffs
        }
        removals.append(TeamRemoval(each.name, counts))
    return RetentionReport(day=run_day(now), teams=tuple(removals), dry_run=True)


async def _teams(services: Services, name: str | None) -> list[Team]:
    if name is None:
        return await services.store.list_teams()
    found = await services.store.get_team(name)
    if found is None:
        raise UnknownTeam(name)
    return [found]
