"""Working hours: prompts wait for the person's working day, in their own timezone."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.domain.hours import WorkingHours

DEFAULT = WorkingHours.default()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_inside_working_hours_is_now() -> None:
    tuesday_noon = utc(2026, 11, 24, 12, 0)
    assert DEFAULT.next_working_time(tuesday_noon, "UTC") == tuesday_noon


def test_before_opening_waits_for_the_local_start() -> None:
    # 06:00 UTC is 07:00 in Amsterdam (CET): wait until 08:00 local = 07:00 UTC.
    assert DEFAULT.next_working_time(utc(2026, 11, 24, 6, 0), "Europe/Amsterdam") == utc(
        2026, 11, 24, 7, 0
    )


def test_after_closing_waits_for_the_next_working_day() -> None:
    friday_evening = utc(2026, 11, 27, 19, 0)
    assert DEFAULT.next_working_time(friday_evening, "UTC") == utc(2026, 11, 30, 8, 0)


def test_weekend_in_the_persons_timezone_not_utc() -> None:
    # Friday 23:30 UTC is already Saturday in Tokyo: wait for Monday 08:00 JST.
    assert DEFAULT.next_working_time(utc(2026, 11, 27, 23, 30), "Asia/Tokyo") == utc(
        2026, 11, 29, 23, 0
    )


def test_daylight_saving_change_keeps_local_opening_time() -> None:
    # Amsterdam leaves summer time on Sunday 2026-10-25; Monday opens at 08:00 CET = 07:00 UTC,
    # while the Friday before opened at 08:00 CEST = 06:00 UTC.
    assert DEFAULT.next_working_time(utc(2026, 10, 23, 17, 0), "Europe/Amsterdam") == utc(
        2026, 10, 26, 7, 0
    )
    assert DEFAULT.next_working_time(utc(2026, 10, 23, 5, 0), "Europe/Amsterdam") == utc(
        2026, 10, 23, 6, 0
    )


def test_parse_reads_days_and_window() -> None:
    hours = WorkingHours.parse("Sun-Thu 07:30-16:00")
    assert hours.days == frozenset({6, 0, 1, 2, 3})
    assert (hours.start, hours.end) == (time(7, 30), time(16))


@pytest.mark.parametrize(
    "spec", ["", "mon-fri", "mon-fri 18:00-08:00", "xyz 08:00-09:00",
             "mon-fri 25:00-26:00"],
)
def test_parse_rejects_nonsense(spec: str) -> None:
    with pytest.raises(ValueError):
        WorkingHours.parse(spec)


def test_single_day_window() -> None:
    hours = WorkingHours.parse("sat 10:00-12:00")
    assert hours.days == frozenset({5})
    assert hours.start == time(10) and hours.end == time(12)
