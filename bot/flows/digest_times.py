"""When a team's digest is due: its schedule and timezone, and the latest scheduled moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.model import Team
from bot.flows.admin import DEFAULT_DIGEST, DigestSchedule
from bot.services import Policy


def schedule_of(team: Team, policy: Policy) -> tuple[DigestSchedule, str]:
    """The team's schedule and the timezone it is read in.

    The schedule's own timezone wins ("mon 09:00 Europe/Amsterdam"), then the team's,
    then the organisation's default. A schedule that no longer parses (edited in the
    database by hand) falls back to the default rather than silencing the team.
    """
    try:
        schedule = DigestSchedule.parse(team.digest_schedule)
    except ValueError:
        schedule = DigestSchedule.parse(DEFAULT_DIGEST)
    return schedule, schedule.timezone or team.timezone or policy.timezone


def previous_fire(schedule: DigestSchedule, timezone: str, now: datetime) -> datetime:
    """The latest scheduled moment at or before `now`, in UTC.

    Computed from the local calendar date, so the UTC hour follows daylight saving
    (09:00 in Amsterdam is 07:00 UTC in summer, 08:00 UTC in winter). A time that does
    not exist on a spring-forward day is read with the offset before the change.
    """
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - schedule.weekday) % 7)
    for _ in range(3):
        candidate = datetime.combine(day, schedule.at, tzinfo=zone).astimezone(UTC)
        if candidate <= now:
            return candidate
        day -= timedelta(days=7)
    raise AssertionError("unreachable: a week back is always in the past")
