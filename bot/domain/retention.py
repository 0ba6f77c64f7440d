"""Retention: how long comments, the names on ratings, and prompts are kept.

Three limits in months, each global (settings) and overridable per team; `0` keeps
forever. What they remove, oldest first:

- comments: a rating's comment, once the rating is older than the comment limit;
- identities: the person and agent a rating names, its link to the prompt (which
  names the person too), and who handled its follow-up with their note, once older
  than the identity limit; the score stays;
- prompts: every decision about a close (asked, skipped and why, answered, expired)
  and then the close itself, once older than the prompt limit.

What never goes: a prompt still waiting to be sent or answered (pending, or sent and
not yet expired); anything about a rating whose follow-up is still open or claimed
(someone is closing the loop with that person: the follow-up's rating keeps its
comment, its names and its prompt until the follow-up is resolved, and the next run
takes them); and the audit log, which records each run's counts and nothing personal.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from bot.domain.model import FollowUpStatus, PromptStatus, Team

# Prompts that are still at work: never removed while they have not expired.
LIVE_PROMPTS = frozenset({PromptStatus.PENDING, PromptStatus.SENT})
# Follow-ups that still need the rating's person: keep everything about that rating.
OPEN_FOLLOW_UPS = frozenset({FollowUpStatus.OPEN, FollowUpStatus.CLAIMED})
DEFAULT_COMMENT_MONTHS = 24
DEFAULT_IDENTITY_MONTHS = 24
DEFAULT_PROMPT_MONTHS = 13
MAX_MONTHS = 1200
AUDIT_ACTION = "retention.run"


class RetentionKind(StrEnum):
    """What one limit removes, in the order a run applies them."""

    COMMENTS = "comments"
    IDENTITIES = "identities"
    PROMPTS = "prompts"
    CONVERSATIONS = "conversations"  # closes left without prompts: under the prompt limit


@dataclass(frozen=True, slots=True)
class RetentionLimits:
    """Months each kind is kept; 0 keeps it forever."""

    comment_months: int = DEFAULT_COMMENT_MONTHS
    identity_months: int = DEFAULT_IDENTITY_MONTHS
    prompt_months: int = DEFAULT_PROMPT_MONTHS

    def for_team(self, team: Team) -> RetentionLimits:
        """The team's own limits where it set one, these (the global ones) elsewhere."""
        return RetentionLimits(
            comment_months=_own(team.retention_comment_months, self.comment_months),
            identity_months=_own(team.retention_identity_months, self.identity_months),
            prompt_months=_own(team.retention_prompt_months, self.prompt_months),
        )

    def cutoffs(self, now: datetime) -> dict[RetentionKind, datetime]:
        """For each kind with a limit: what is older than this goes."""
        months = {
            RetentionKind.COMMENTS: self.comment_months,
            RetentionKind.IDENTITIES: self.identity_months,
            RetentionKind.PROMPTS: self.prompt_months,
            RetentionKind.CONVERSATIONS: self.prompt_months,
        }
        return {kind: months_before(now, n) for kind, n in months.items() if n > 0}


def _own(team_value: int | None, default: int) -> int:
    return default if team_value is None else team_value


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st -> the month's last)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def run_day(now: datetime) -> date:
    """The day a run belongs to: one run per UTC day, whichever replica makes it."""
    return now.date()


@dataclass(frozen=True, slots=True)
class TeamRemoval:
    """What retention removes (or, in a dry run, would remove) from one team."""

    team: str
    counts: dict[RetentionKind, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """One run, team by team: counts only, never who or what."""

    day: date
    teams: tuple[TeamRemoval, ...]
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(team.total for team in self.teams)

    def by_kind(self) -> dict[RetentionKind, int]:
        return totals(team.counts for team in self.teams)

    def audit_detail(self) -> dict[str, object]:
        """What the audit log keeps of a run: the day and counts per team and kind."""
        return {
            "day": self.day.isoformat(),
            "removed": {
                team.team: {kind.value: n for kind, n in team.counts.items() if n}
                for team in self.teams if team.total
            },
            "total": self.total,
        }


def totals(counts: Iterable[Mapping[RetentionKind, int]]) -> dict[RetentionKind, int]:
    summed = dict.fromkeys(RetentionKind, 0)
    for each in counts:
        for kind, n in each.items():
            summed[kind] += n
    return summed
