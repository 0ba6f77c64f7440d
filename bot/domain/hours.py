"""Working hours: prompts reach people during their own working day, in their timezone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC = re.compile(
    r"^\s*(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})\s*$"
)


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """Days of the week (0 = Monday) and a daily window, read in the person's timezone."""

    days: frozenset[int]
    start: time
    end: time

    @classmethod
    def default(cls) -> WorkingHours:
        return cls(frozenset(range(5)), time(8), time(18))

    @classmethod
    def parse(cls, spec: str) -> WorkingHours:
        """Read "mon-fri 08:00-18:00" (or "mon 09:00-17:00")."""
        match = _SPEC.match(spec.lower())
        if not match or match["first"] not in DAYS or (match["last"] or "mon") not in DAYS:
            raise ValueError(f"{spec!r} is not like 'mon-fri 08:00-18:00'")
        first = DAYS.index(match["first"])
        last = DAYS.index(match["last"]) if match["last"] else first
        # A range may wrap round the week: "sun-thu" is a working week in many countries.
        days = frozenset((first + step) % 7 for step in range((last - first) % 7 + 1))
        start, end = _clock_time(match["start"]), _clock_time(match["end"])
        if end <= start:
            raise ValueError(f"{spec!r}: the day must end after it starts")
        return cls(days, start, end)

    def next_working_time(self, moment: datetime, timezone: str) -> datetime:
        """`moment` itself when it falls in working hours, else the next working start.

        The answer is in UTC. Walking in local dates keeps daylight-saving changes right.
        """
        zone = ZoneInfo(timezone)
        local = moment.astimezone(zone)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            opens = datetime.combine(day, self.start, zone)
            closes = datetime.combine(day, self.end, zone)
            if local < opens:
                return opens.astimezone(moment.tzinfo)
            if local < closes:
                return moment
        raise AssertionError("a week always has a working day")  # days is never empty


def _clock_time(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise ValueError(f"{text!r} is not a time of day")
    return time(hours, minutes)
