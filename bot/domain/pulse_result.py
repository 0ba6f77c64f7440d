"""A closed relationship pulse's result, as the digest of the week it closed reports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.scores import ScoreSummary


@dataclass(frozen=True, slots=True)
class PulseResult:
    """Kept apart from the per-ticket figures: only its own answers, on the NPS scale."""

    question: str
    asked: int
    closes_at: datetime
    score: ScoreSummary  # NPS of its answers; `score.n` is how many answered
