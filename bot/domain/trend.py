"""The steady / up / down rule: a week's score against the pooled previous weeks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.scales import Scale
from bot.domain.scores import Z_95, ScoreSummary, summarize
from bot.domain.tallies import Tally


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    STEADY = "steady"


@dataclass(frozen=True, slots=True)
class Change:
    """How the week compares with its baseline. Every field is None without data."""

    direction: Direction | None  # None when either side has no ratings
    delta: float | None  # week minus baseline, in the scale's unit
    margin: float | None  # 95% margin of error of `delta` (see `compare`)
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


def unit_variance(scale: Scale, tally: Tally, score_squares: int | None) -> float | None:
    """The variance of one rating's contribution to the score, estimated from `tally`.

    NPS: the +1 / 0 / -1 indicator, p + d - (p - d)²; CSAT and thumbs: the 0 / 1 hit,
    p (1 - p); CES: the score itself, from the sum of squares (None without it).
    """
    n = tally.n
    if scale is Scale.CES:
        if score_squares is None:
            return None
        mean = tally.score_sum / n
        return max(score_squares / n - mean * mean, 0.0)
    p = tally.promoters / n
    if scale is Scale.NPS:
        d = tally.detractors / n
        return max(p + d - (p - d) ** 2, 0.0)
    return p * (1 - p)


def compare(
    scale: Scale,
    week: Tally,
    baseline: Tally,
    *,
    week_squares: int | None = None,
    baseline_squares: int | None = None,
) -> Change:
    """Call the week "up", "down" or "steady" against the baseline (the previous weeks pooled).

    The rule is a two-sided 95% test of "nothing changed". With d = week score - baseline
    score, n_w and n_b their numbers of ratings, and s² the variance of one rating's
    contribution to the score (`unit_variance`) estimated from both periods together,
    as if nothing had changed, the margin of error of d is

        m = 1.96 * sqrt(s² * (1/n_w + 1/n_b))    (times 100 for NPS, CSAT and thumbs)

    and the week is "up" when d > m, "down" when d < -m, and "steady" otherwise: a
    change inside the noise is not called a change. Estimating s² from both periods
    keeps a small week at an extreme (8 of 8 satisfied, whose own normal margin would be
    0: that is why `ScoreSummary` shows Wilson's interval there) from being called a
    change on its own say-so. Without ratings on either side there is
    nothing to compare and `direction` is None; a CES week without the sums of squares
    has no margin and is called "steady".
    """
    now, before = summarize(scale, week), summarize(scale, baseline)
    if now.value is None or before.value is None:
        return Change(direction=None, delta=None, margin=None, baseline=before)
    delta = now.value - before.value
    squares = None if week_squares is None or baseline_squares is None \
        else week_squares + baseline_squares
    variance = unit_variance(scale, pooled([week, baseline]), squares)
    if variance is None:
        return Change(direction=Direction.STEADY, delta=delta, margin=None, baseline=before)
    unit = 1.0 if scale is Scale.CES else 100.0
    margin = Z_95 * unit * math.sqrt(variance * (1 / week.n + 1 / baseline.n))
    if delta > margin:
        direction = Direction.UP
    elif delta < -margin:
        direction = Direction.DOWN
    else:
        direction = Direction.STEADY
    return Change(direction=direction, delta=delta, margin=margin, baseline=before)
