"""Reminders: one nudge for a sent prompt nobody answered, by pure rules.

A reminder goes at most once per prompt, `Team.reminder_minutes` after the prompt was
sent (0: the team sends none), inside the person's working hours, and never when the
prompt expires within `EXPIRY_MARGIN`: a nudge that leaves no time to answer only annoys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.hours import WorkingHours
from bot.domain.model import Person, Prompt, Team

DEFAULT_REMINDER_MINUTES = 2 * 24 * 60
# A prompt that expires sooner than this is left alone: the reminder would arrive when
# there is (almost) no time left to answer, and outside working hours none at all.
EXPIRY_MARGIN = timedelta(hours=4)
MAX_REMINDER_MINUTES = 30 * 24 * 60
OFF_WORDS = frozenset({"off", "none", "no", "0"})
_DELAY = re.compile(r"^(?P<amount>\d+)\s*(?P<unit>d|h|m|days?|hours?|minutes?)$")
_MINUTES = {"d": 24 * 60, "h": 60, "m": 1}


@dataclass(frozen=True, slots=True)
class ReminderCandidate:
    """A sent, unanswered, unreminded prompt of a team that reminds, with what rendering
    its reminder needs."""

    prompt: Prompt
    team: Team
    person: Person
    agent: Person | None
    subject: str | None
    ticket_id: str | None


def parse_reminder(text: str) -> int:
    """Minutes from "off", "2d", "36h", "90m" or "default"; ValueError says what is allowed."""
    cleaned = text.strip().lower()
    if cleaned in OFF_WORDS:
        return 0
    if cleaned == "default":
        return DEFAULT_REMINDER_MINUTES
    match = _DELAY.fullmatch(cleaned)
    if match is None:
        raise ValueError("use 'off' or a delay like 2d, 36h or 90m")
    minutes = int(match["amount"]) * _MINUTES[match["unit"][0]]
    if not 60 <= minutes <= MAX_REMINDER_MINUTES:
        raise ValueError("use a delay from 1h to 30d, or 'off'")
    return minutes


def describe_reminder(minutes: int) -> str:
    """The setting as an admin would type it: "off", "2d", "36h", "90m"."""
    if minutes <= 0:
        return "off"
    for unit, size in _MINUTES.items():
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    raise AssertionError("every whole number of minutes divides by one")


def reminder_due(
    candidate: ReminderCandidate, *, now: datetime, hours: WorkingHours, default_timezone: str
) -> bool:
    """Whether the reminder may go now: late enough, early enough, and in working hours.

    The store already chose sent, unanswered, unreminded prompts; these rules are checked
    again here so that what a reminder obeys is written in one place.
    """
    prompt, team, person = candidate.prompt, candidate.team, candidate.person
    if team.reminder_minutes <= 0 or person.opted_out or prompt.sent_at is None:
        return False
    if now - prompt.sent_at < timedelta(minutes=team.reminder_minutes):
        return False
    if prompt.expires_at is None or prompt.expires_at - now < EXPIRY_MARGIN:
        return False
    timezone = person.timezone or team.timezone or default_timezone
    return hours.next_working_time(now, timezone) <= now
