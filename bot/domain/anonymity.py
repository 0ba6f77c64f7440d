"""What keeps an anonymous rating from being linked back to its prompt, as pure rules.

Someone who can read the whole database sees who was asked when (the prompts), and the
anonymous ratings. Nothing stored may order one against the other: the ratings get random
ids, day-only times, and once a day a batch of them is rewritten in random order, so
neither their ids nor the engine's own row order (SQLite's rowid, PostgreSQL's ctid and
xmin) still says which was given first. A day with fewer ratings than the minimum number
of respondents is not released on its own: it waits to join the next day's batch, or, on
the last day of the team's digest week, joins that week's last batch, so that no rating
moves into another week (a posted digest has counted it where it stood).
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.domain.weeks import IsoWeek

# Rating ids are BIGINT: 63 random bits. Follow-up ids travel in Teams card data, read by
# JavaScript, so they stay within its exact integers (53 bits). Both are negative: the
# sequences of identified rows only ever count upwards from the largest id, which a
# random positive id would drag along, and show when it was drawn.
_RATING_ID_BITS = 63
_FOLLOW_UP_ID_BITS = 53


def random_rating_id(rng: random.Random) -> int:
    return -1 - rng.getrandbits(_RATING_ID_BITS - 1) - (1 << (_RATING_ID_BITS - 2))


def random_follow_up_id(rng: random.Random) -> int:
    return -1 - rng.getrandbits(_FOLLOW_UP_ID_BITS - 1)


def day_of(at: datetime) -> datetime:
    """Midnight UTC of `at`'s day: the only time stored for anything anonymous."""
    utc = at.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, tzinfo=UTC)


def answered_marker(key: str, prompt_id: int) -> str:
    """What says "this prompt was answered" without naming it to someone without the key.

    A replayed first click (the message not yet redrawn with its receipt) must not store a
    second rating, so something has to remember that the prompt was answered; the prompt
    itself keeps no trace of it.
    """
    return hmac.new(key.encode(), f"answered:{prompt_id}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class HeldRating:
    """An anonymous rating not yet released in a batch: all the batch needs of it."""

    id: int
    rated_at: datetime


@dataclass(frozen=True, slots=True)
class Released:
    """One rating of a released batch: its new id; the batch lists them in write order."""

    old_id: int
    new_id: int


@dataclass(frozen=True, slots=True)
class Batch:
    """A team's ratings rewritten together, in `ratings` order, all dated `day`."""

    team_id: int
    day: datetime
    ratings: tuple[Released, ...]


def ready(held: Sequence[HeldRating], today: date) -> list[HeldRating]:
    """The held ratings of days before `today`: today's wait for tomorrow, the day not over."""
    return [rating for rating in held if rating.rated_at.date() < today]


def week_over(waiting: Sequence[HeldRating], today: date, timezone: str) -> datetime | None:
    """The start of the digest week of `waiting` when that week ends before `today` begins
    (its last day is over), else None. Weeks are the team's, as its digest counts them."""
    if not waiting:
        return None
    zone = ZoneInfo(timezone)
    latest = max(rating.rated_at for rating in waiting)
    week = IsoWeek.containing(latest.astimezone(zone).date())
    today_starts = datetime(today.year, today.month, today.day, tzinfo=UTC)
    if IsoWeek.containing(today_starts.astimezone(zone).date()) == week:
        return None
    return week.start(timezone)


def batch_to_release(
    team_id: int, held: Sequence[HeldRating], *, today: date, min_respondents: int,
    rng: random.Random, joining: Sequence[HeldRating] = (),
) -> Batch | None:
    """The team's batch of the days before `today`, or None while it is too small.

    Held ratings of an earlier small day join this one and take its date, so no small
    group stands alone. Too few when their week is over: they join `joining` (the
    week's last released batch, read by the flow) and take its date instead.
    """
    waiting = ready(held, today)
    if not waiting:
        return None
    if len(waiting) >= min_respondents:
        return _shuffled(team_id, waiting, rng)
    if joining:
        return _shuffled(team_id, [*waiting, *joining], rng,
                         day=max(rating.rated_at for rating in joining))
    return None


def _shuffled(
    team_id: int, ratings: list[HeldRating], rng: random.Random, *, day: datetime | None = None
) -> Batch:
    order = list(ratings)
    rng.shuffle(order)
    return Batch(
        team_id=team_id,
        day=day_of(day or max(rating.rated_at for rating in ratings)),
        ratings=tuple(Released(rating.id, random_rating_id(rng)) for rating in order),
    )
