"""The nightly anonymity job: release each anonymous team's batch, shuffle the markers.

Every replica may run it: the day's claim, taken in the job's one transaction, lets it
run once a day, and a run that fails gives the claim back with everything else.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, timedelta

from bot.domain.anonymity import (
    Batch,
    HeldRating,
    batch_to_release,
    day_of,
    ready,
    week_over,
)
from bot.domain.model import Team
from bot.domain.request_checks import shuffled
from bot.flows import pulse_answers
from bot.flows.digest import team_timezone
from bot.ports.store import Store
from bot.services import Services

# Markers refuse a replayed first click while the prompt can still be answered; a day
# beyond the longest expiry they guard nothing.
_MARKER_MARGIN = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class AnonymityRun:
    """What a run did: False for `ran` when another replica (or an earlier run) had the day."""

    ran: bool
    released: int = 0  # ratings rewritten in a batch
    held: int = 0  # ratings waiting for a batch big enough


async def release_anonymous_batches(
    services: Services, *, rng: random.Random | None = None
) -> AnonymityRun:
    """Run today's job if no replica has: one transaction for every team's batch.

    `rng` orders the batches and draws their ids; the operating system's unless a test
    passes its own, since ids seen before must not predict the next order.
    """
    shuffler = rng or random.SystemRandom()
    now = services.clock.now()
    today = now.astimezone(UTC).date()
    teams = await services.store.list_teams()
    longest_expiry = max((team.expiry_days for team in teams), default=7)
    released = held = 0
    async with services.store.transaction() as tx:
        if not await tx.claim_anonymity_run(today, at=now):
            return AnonymityRun(ran=False)
        # Every team, not only the anonymous ones: a team made identified since keeps
        # the ratings it was given as anonymous, and they still go out in a batch.
        for team in teams:
            waiting = await tx.held_ratings(team.id)
            batch = await _batch(tx, services, team, waiting, today=today, rng=shuffler)
            if batch is None:
                held += len(waiting)
                continue
            await tx.release_batch(batch)
            released += len(batch.ratings)
            held += len(waiting) - len({r.old_id for r in batch.ratings} & {r.id for r in waiting})
        await pulse_answers.release_batch(tx, shuffler)  # stored apart, hidden alike
        markers = await tx.fresh_markers()
        shuffler.shuffle(markers)
        forget_before = today - timedelta(days=longest_expiry) - _MARKER_MARGIN
        await tx.rewrite_markers(markers, forget_before=forget_before)
        # Mutual rating's answers of the days before, in random order under new ids.
        await tx.rewrite_request_answers(shuffled(
            await tx.request_answers_to_shuffle(before=day_of(now)), shuffler))
    await services.store.reclaim_rewritten()
    return AnonymityRun(ran=True, released=released, held=held)


async def _batch(
    tx: Store, services: Services, team: Team, waiting: list[HeldRating], *,
    today: date, rng: random.Random,
) -> Batch | None:
    """The team's batch; too few ratings at the end of its digest week read that week's
    last released batch for them to join."""
    minimum = services.policy.min_respondents
    joining: list[HeldRating] = []
    due = ready(waiting, today)
    if 0 < len(due) < minimum:
        week_start = week_over(due, today, team_timezone(team, services))
        if week_start is not None:
            joining = await tx.last_released(team.id, since=week_start)
    return batch_to_release(
        team.id, waiting, today=today, min_respondents=minimum, rng=rng, joining=joining
    )
