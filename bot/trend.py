"""The steady / up / down rule: a week's score against the pooled previous weeks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from bot.ports import Tally
from bot.scales import Scale
from bot.scores import Z_95, ScoreSummary, summarize


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    STEADY = "steady"


@dataclass(frozen=True, slots=True)
class Change:
    """How the week compares with its baseline. Every field is None without data."""

    direction: Direction | None  # None when either side has no ratings
    delta: float | None  # week minus baseline, in the scale's unit
    margin: float | None  # 95% margin of error of `delta`
    baseline: ScoreSummary


def pooled(tallies: list[Tally]) -> Tally:
    """One tally of several periods: the ratings of all of them counted together."""
    return Tally(
        n=sum(t.n for t in tallies),
        promoters=sum(t.promoters for t in tallies),
        passives=sum(t.passives for t in tallies),
        detractors=sum(t.detractors for t in tallies),
        score_sum=sum(t.score_sum for t in tallies),
    )


def mean_margin(tally: Tally, score_squares: int) -> float | None:
    """95% margin of a mean score (CES), from the sum and the sum of squares."""
    if tally.n == 0:
        return None
    mean = tally.score_sum / tally.n
    variance = max(score_squares / tally.n - mean * mean, 0.0)
    return Z_95 * math.sqrt(variance / tally.n)


def compare(
    scale: Scale,
    week: Tally,
    baseline: Tally,
    *,
    week_squares: int | None = None,
    baseline_squares: int | None = None,
) -> Change:
    """Call the week "up", "down" or "steady" against the baseline (the previous weeks pooled).

    The rule: with d = week score - baseline score and m = sqrt(m_w² + m_b²), where m_w and
    m_b are the 95% margins of error of the two scores (`bot.scores`: NPS from the
    promoter/detractor variance, CSAT and thumbs as a proportion, CES as a mean with the
    variance from `*_squares`), the week is "up" when d > m, "down" when d < -m and
    "steady" otherwise: a change inside the noise is not called a change. The two
    periods hold different ratings, so their errors add in quadrature. When either side
    has no ratings there is nothing to compare and `direction` is None. When the CES
    squares are missing the margin is unknown and the week is called "steady".
    """
    now, before = summarize(scale, week), summarize(scale, baseline)
    if now.value is None or before.value is None:
        return Change(direction=None, delta=None, margin=None, baseline=before)
    if scale is Scale.CES:
        m_week = None if week_squares is None else mean_margin(week, week_squares)
        m_base = None if baseline_squares is None else mean_margin(baseline, baseline_squares)
    else:
        m_week, m_base = now.margin, before.margin
    delta = now.value - before.value
    if m_week is None or m_base is None:
        return Change(direction=Direction.STEADY, delta=delta, margin=None, baseline=before)
    margin = math.hypot(m_week, m_base)
    if delta > margin:
        direction = Direction.UP
    elif delta < -margin:
        direction = Direction.DOWN
    else:
        direction = Direction.STEADY
    return Change(direction=direction, delta=delta, margin=margin, baseline=before)
