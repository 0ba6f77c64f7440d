"""What a team's weekly digest says: its figures for one week, its trend and its comments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.model import Anonymity
from bot.domain.pulse_result import PulseResult
from bot.domain.reasons import LostTimeTally
from bot.domain.scales import Scale
from bot.domain.scores import ScoreSummary
from bot.domain.sparkline import sparkline
from bot.domain.tallies import DigestComment, FollowUpCounts, PromptTally
from bot.domain.trend import Change
from bot.domain.weeks import IsoWeek

HISTORY_WEEKS = 12  # the chart


TREND_WEEKS = HISTORY_WEEKS  # the sparkline: beside the chart, it spans the same weeks


BASELINE_WEEKS = 4  # the weeks a week is compared with


MAX_COMMENTS = 5


@dataclass(frozen=True, slots=True)
class WeekScore:
    week: IsoWeek
    score: ScoreSummary


@dataclass(frozen=True, slots=True)
class AgentLine:
    agent: str  # as the team knows them; the platform renderer escapes it
    respondents: int
    score: ScoreSummary


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything a team's weekly digest says. Only this team's figures, ever."""

    team_name: str
    team_display_name: str
    scale: Scale
    anonymity: Anonymity
    timezone: str
    week: IsoWeek
    since: datetime  # Monday 00:00 local, in UTC
    until: datetime  # the next Monday 00:00 local, in UTC
    score: ScoreSummary
    prompts: PromptTally  # prompts created in the week, as they stand now
    history: tuple[WeekScore, ...]  # HISTORY_WEEKS weeks, oldest first, ending with `week`
    change: Change  # against the BASELINE_WEEKS weeks before `week`, pooled
    comments: tuple[DigestComment, ...]
    follow_ups: FollowUpCounts
    agents: tuple[AgentLine, ...]  # empty in anonymous teams
    min_respondents: int
    locale: str = "en"  # the team's language: every word of its digest is in it
    # A relationship pulse that closed this week, shown beside the per-ticket score.
    pulse: PulseResult | None = None
    # The answers after the score: (reason key, count) of the week, most frequent first,
    # and the lost-time answers of each week of `history`.
    reasons: tuple[tuple[str, int], ...] = ()
    lost_time: tuple[LostTimeTally, ...] = ()

    @property
    def first_day(self) -> date:
        return self.week.monday

    @property
    def last_day(self) -> date:
        return self.week.sunday

    @property
    def responses(self) -> int:
        return self.score.n

    @property
    def is_empty(self) -> bool:
        """No ratings this week: the digest becomes a short note with the not-asked counts."""
        return self.score.n == 0

    @property
    def response_rate(self) -> float | None:
        """Answered / delivered for the week's prompts, 0..1; None when none was delivered."""
        sent = self.prompts.sent
        return self.prompts.answered / sent if sent else None

    @property
    def not_asked(self) -> list[tuple[str, int]]:
        """(skip reason, count), most frequent first."""
        return _by_count(self.prompts.skipped)

    @property
    def failures(self) -> list[tuple[str, int]]:
        """(delivery failure reason, count), most frequent first."""
        return _by_count(self.prompts.failed)

    @property
    def trend(self) -> tuple[WeekScore, ...]:
        """The weeks the sparkline and the chart both show: the history from its first week
        with ratings (the weeks before a team's first rating are not news) to `week`."""
        recent = self.history[-TREND_WEEKS:]
        rated = [index for index, point in enumerate(recent) if point.score.value is not None]
        return recent[rated[0]:] if rated else recent

    @property
    def sparkline(self) -> str:
        return sparkline([point.score.value for point in self.trend])

    @property
    def pulse_on_chart(self) -> float | None:
        """The closed pulse's NPS, where the chart can draw it: beside an NPS line only
        (another scale's axis would mix units), and only with answers."""
        pulse = self.pulse
        if pulse is None or self.scale is not Scale.NPS:
            return None
        return pulse.score.value

    @property
    def closed_loop_share(self) -> float | None:
        """Resolved follow-ups / detractors of the week, 0..1; None without detractors."""
        detractors = self.score.detractors
        if detractors == 0:
            return None
        return min(self.follow_ups.resolved / detractors, 1.0)


def _by_count(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0]))
