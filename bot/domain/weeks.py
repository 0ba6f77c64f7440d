"""ISO weeks in a team's timezone: the periods digests report on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    """An ISO 8601 week ("2026-W47"): Monday 00:00 to the next Monday 00:00, local time."""

    year: int
    week: int

    def __post_init__(self) -> None:
        # Raises ValueError for week 53 of a year that has only 52.
        date.fromisocalendar(self.year, self.week, 1)

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """Read "2026-W47" (or "2026W47"); raise ValueError."""
        match = _WEEK.fullmatch(text.strip())
        if not match:
            raise ValueError(f"'{text}' is not an ISO week like 2026-W47")
        try:
            return cls(int(match[1]), int(match[2]))
        except ValueError:
            raise ValueError(f"'{text}' is not a week of {match[1]}") from None

    @classmethod
    def containing(cls, day: date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @classmethod
    def last_complete(cls, now: datetime, timezone: str) -> IsoWeek:
        """The newest week that has ended by `now` in `timezone`."""
        local_today = now.astimezone(ZoneInfo(timezone)).date()
        return cls.containing(local_today).shift(-1)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def shift(self, weeks: int) -> IsoWeek:
        return IsoWeek.containing(self.monday + timedelta(weeks=weeks))

    def start(self, timezone: str) -> datetime:
        """Monday 00:00 local, in UTC. A week holding a DST change is 167 or 169 hours."""
        local = datetime.combine(self.monday, time(0), tzinfo=ZoneInfo(timezone))
        return local.astimezone(UTC)

    def end(self, timezone: str) -> datetime:
        return self.shift(1).start(timezone)

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"


def boundaries(last: IsoWeek, weeks: int, timezone: str) -> list[datetime]:
    """`weeks + 1` UTC instants: the starts of the `weeks` weeks up to `last`, then its end."""
    return list(_boundaries(last, weeks, timezone))


# Every team sharing a timezone asks for the same edges each week: worked out once.
@lru_cache(maxsize=256)
def _boundaries(last: IsoWeek, weeks: int, timezone: str) -> tuple[datetime, ...]:
    return (*(week.start(timezone) for week in weeks_up_to(last, weeks)), last.end(timezone))


@lru_cache(maxsize=256)
def weeks_up_to(last: IsoWeek, weeks: int) -> tuple[IsoWeek, ...]:
    """The `weeks` weeks that end with `last`, oldest first."""
    first = last.shift(-(weeks - 1))
    return tuple(first.shift(i) for i in range(weeks))
