"""The pure rules of anonymity: random ids, the keyed marker, which ratings form a batch."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from bot.domain.anonymity import (
    HeldRating,
    answered_marker,
    batch_to_release,
    day_of,
    random_follow_up_id,
    random_rating_id,
    week_over,
)

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)


def held(day: datetime, count: int, first_id: int = 1) -> list[HeldRating]:
    return [HeldRating(first_id + n, day) for n in range(count)]


def test_ids_are_random_negative_and_fit_their_columns() -> None:
    rng = random.Random(1)
    ratings = {random_rating_id(rng) for _ in range(1000)}
    follow_ups = {random_follow_up_id(rng) for _ in range(1000)}
    assert len(ratings) == len(follow_ups) == 1000
    assert all(-(2**63) <= n < 0 for n in ratings)  # a BIGINT
    assert all(-(2**53) < n < 0 for n in follow_ups)  # exact in JavaScript (Teams cards)


def test_the_marker_names_no_prompt_without_its_key() -> None:
    assert answered_marker("key", 7) == answered_marker("key", 7)
    assert answered_marker("key", 7) != answered_marker("other", 7)
    assert answered_marker("key", 7) != answered_marker("key", 8)


def test_a_batch_is_the_days_before_today_in_random_order_under_new_ids() -> None:
    ratings = held(MONDAY, 5) + held(MONDAY + timedelta(days=1), 3, first_id=10)
    batch = batch_to_release(4, ratings, today=date(2026, 11, 24), min_respondents=5,
                             rng=random.Random(3))
    assert batch is not None and batch.team_id == 4 and batch.day == MONDAY
    assert sorted(r.old_id for r in batch.ratings) == [1, 2, 3, 4, 5]  # not today's
    assert [r.old_id for r in batch.ratings] != [1, 2, 3, 4, 5]
    assert all(r.new_id < 0 for r in batch.ratings)


def test_too_few_wait_unless_they_can_join_their_weeks_last_batch() -> None:
    sunday = MONDAY + timedelta(days=6)
    few = held(sunday, 2)
    rng = random.Random(1)
    assert batch_to_release(1, few, today=date(2026, 11, 30), min_respondents=5, rng=rng) is None
    saturday = held(sunday - timedelta(days=1), 5, first_id=100)
    joined = batch_to_release(1, few, today=date(2026, 11, 30), min_respondents=5, rng=rng,
                              joining=saturday)
    assert joined is not None and joined.day == sunday - timedelta(days=1)
    assert sorted(r.old_id for r in joined.ratings) == [1, 2, 100, 101, 102, 103, 104]


def test_the_week_is_the_teams_own() -> None:
    sunday = held(MONDAY + timedelta(days=6), 1)
    assert week_over(sunday, date(2026, 11, 30), "UTC") == MONDAY
    assert week_over(sunday, date(2026, 11, 29), "UTC") is None
    # Monday 00:00 UTC is still Sunday in New York: that week is not over there yet, and
    # a rating stamped that Monday belongs to the week before.
    assert week_over(sunday, date(2026, 11, 30), "America/New_York") is None
    assert week_over(held(MONDAY, 1), date(2026, 11, 24), "America/New_York") is not None
    assert week_over([], date(2026, 11, 30), "UTC") is None


def test_day_of_keeps_the_utc_day_only() -> None:
    assert day_of(datetime(2026, 11, 24, 23, 59, tzinfo=UTC)) == datetime(2026, 11, 24, tzinfo=UTC)
