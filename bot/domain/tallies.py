"""Counts read back from storage: tallies, digest facts, exports and the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.domain.reasons import LostTimeTally
from bot.domain.scales import Category, Scale

if TYPE_CHECKING:  # scores read tallies: the pulse's result is named, not imported
    from bot.domain.pulse_result import PulseResult


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts behind a score: one team over one period."""

    n: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    score_sum: int = 0


@dataclass(frozen=True, slots=True)
class PromptTally:
    """What happened to the prompts of one team over one period."""

    sent: int = 0  # delivered (sent, answered or expired)
    answered: int = 0
    pending: int = 0
    skipped: Mapping[str, int] = field(default_factory=dict)  # reason -> count
    failed: Mapping[str, int] = field(default_factory=dict)  # reason -> count
    reminded: int = 0  # sent a reminder
    # Of those, answered since (never known in anonymous teams: their prompts keep no answer).
    answered_after_reminder: int = 0


@dataclass(frozen=True, slots=True)
class ExportRow:
    rated_at: datetime
    team: str
    scale: Scale
    score: int
    category: Category
    comment: str | None
    agent_email: str | None
    requester_email: str | None  # None in anonymous teams and for forgotten people
    ticket_id: str | None  # None in anonymous teams
    reasons: tuple[str, ...] = ()  # the reasons' keys, tapped after the score
    lost_time: str | None = None  # the work time lost, as its bucket


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    detail: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class DigestComment:
    category: Category  # DETRACTOR or PROMOTER: passives' comments are not quoted
    score: int
    text: str  # as the person typed it; the platform renderer escapes it
    rated_at: datetime
    author: str | None = None  # only ever filled for `identified` teams


@dataclass(frozen=True, slots=True)
class FollowUpCounts:
    """The follow-ups of one period's detractor ratings, as they stand now."""

    opened: int = 0
    claimed: int = 0  # claimed at some point (resolved ones included)
    resolved: int = 0
    # Median time from a rating to its follow-up resolved; None: none resolved.
    median_to_resolve: timedelta | None = None


@dataclass(frozen=True, slots=True)
class AgentTally:
    agent: str  # display name, else email
    respondents: int  # distinct people who rated this agent
    tally: Tally


@dataclass(frozen=True, slots=True)
class DigestRun:
    team_id: int
    period: str
    status: str  # "claimed" or "posted"
    claimed_at: datetime | None
    posted_at: datetime | None
    late: bool
    message_ref: str | None


@dataclass(frozen=True, slots=True)
class DigestFacts:
    """Everything one team's digest reads from storage, from one consistent snapshot."""

    weekly: list[Tally]  # one per interval between consecutive `edges`
    # Sum of squared scores per interval: a mean's margin (CES) needs the spread of the
    # scores, which a tally does not keep.
    squares: list[int]
    prompts: PromptTally  # prompts created in the last interval
    comments: list[DigestComment]  # newest detractor comments first, then newest praise
    follow_ups: FollowUpCounts  # of the last interval's ratings
    agents: list[AgentTally]  # by agent name; empty unless asked for
    pulse: PulseResult | None = None  # a relationship pulse that closed in the last interval
    # The answers after the score: (reason key, count) of the last interval, and the
    # lost-time answers of every interval.
    reasons: list[tuple[str, int]] = field(default_factory=list)
    lost_time: list[LostTimeTally] = field(default_factory=list)
