"""The reminder rules and the setting's words (bot.domain.reminders)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.hours import WorkingHours
from bot.domain.model import Person, Prompt, PromptStatus, Team
from bot.domain.reminders import (
    ReminderCandidate,
    describe_reminder,
    parse_reminder,
    reminder_due,
)

SENT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday


@pytest.mark.parametrize(("typed", "minutes"), [
    ("off", 0), ("OFF", 0), ("none", 0), ("0", 0), ("2d", 2880), ("36h", 2160),
    ("90m", 90), ("1 day", 1440), ("12 hours", 720), ("default", 2880), ("30d", 43200),
])
def test_the_setting_reads_off_and_delays(typed: str, minutes: int) -> None:
    assert parse_reminder(typed) == minutes


@pytest.mark.parametrize("typed", ["", "soon", "2w", "59m", "31d", "-1h", "1.5d"])
def test_a_setting_it_cannot_read_says_what_is_allowed(typed: str) -> None:
    with pytest.raises(ValueError, match=r"off|1h to 30d"):
        parse_reminder(typed)


@pytest.mark.parametrize(("minutes", "shown"), [(0, "off"), (2880, "2d"), (2160, "36h"),
                                                (90, "90m")])
def test_the_setting_is_shown_as_typed(minutes: int, shown: str) -> None:
    assert describe_reminder(minutes) == shown
    assert parse_reminder(shown) == minutes


def candidate(**team: object) -> ReminderCandidate:
    prompt = Prompt(
        id=1, conversation_id=1, round=1, team_id=1, person_id=1, status=PromptStatus.SENT,
        reason=None, attempts=1, created_at=SENT, next_attempt_at=None, sent_at=SENT,
        expires_at=SENT + timedelta(days=7), platform="test", message_ref="ref",
    )
    return ReminderCandidate(
        prompt=prompt, team=replace(Team(1, "desk", "Desk"), **team),  # type: ignore[arg-type]
        person=Person(1, "jan@example.com"), agent=None, subject=None, ticket_id=None,
    )


def due(item: ReminderCandidate, now: datetime) -> bool:
    return reminder_due(item, now=now, hours=WorkingHours.default(), default_timezone="UTC")


def test_due_after_the_delay_in_working_hours_only() -> None:
    item = candidate()
    assert not due(item, SENT + timedelta(days=2, seconds=-1))
    assert due(item, SENT + timedelta(days=2))
    assert not due(item, SENT + timedelta(days=2, hours=9))  # Thursday 19:00
    assert not due(candidate(reminder_minutes=0), SENT + timedelta(days=3))


def test_never_within_four_hours_of_expiry_nor_after_it() -> None:
    item = candidate()
    expires = SENT + timedelta(days=2, hours=6)  # Thursday 16:00
    item = replace(item, prompt=replace(item.prompt, expires_at=expires))
    assert due(item, expires - timedelta(hours=4))
    assert not due(item, expires - timedelta(hours=3, minutes=59))
    assert not due(item, expires + timedelta(minutes=1))


def test_not_for_someone_who_opted_out() -> None:
    item = candidate()
    opted = replace(item, person=replace(item.person, opted_out=True))
    assert not due(opted, SENT + timedelta(days=2))
