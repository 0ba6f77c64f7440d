"""Score summaries: NPS, CSAT, CES and thumbs from a tally, with a 95% interval.

The interval is the familiar normal-approximation margin ("87% ± 7") where that margin
is right: it has a width and stays inside the scale. Near the extremes it is not (8 of 8
satisfied gives "± 0", 2 of 3 promoters "± 107"), and there the summary carries an
interval that behaves: Wilson's score interval for a share (CSAT, thumbs), and for NPS
the Wilson intervals of its two shares, promoters and detractors, combined (Newcombe's
method, with the correlation of two shares of one set of ratings). Such an interval is
not symmetric, so it reads as its ends: "100% (68% to 100%)".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.domain.scales import Category, Scale
from bot.domain.tallies import Tally

Z_95 = 1.96  # two-sided 95% quantile of the normal distribution

Interval = tuple[float, float, float | None]  # low, high, margin when symmetric


@dataclass(frozen=True, slots=True)
class ScoreSummary:
    """One team's score over one period. `value`, `low` and `high` are None without ratings.

    NPS is in points (-100..100), CSAT and thumbs in percent, CES the mean score.
    `low`..`high` is the 95% interval (None for CES: no variance kept); `margin` is its
    half-width when it is the symmetric normal-approximation one, else None.
    """

    scale: Scale
    n: int
    promoters: int
    passives: int
    detractors: int
    value: float | None
    margin: float | None
    low: float | None = None
    high: float | None = None

    @property
    def text(self) -> str:
        """The score as people read it: "+32 ± 14", "100% (68% to 100%)", "5.6", or "—"."""
        if self.value is None:
            return "—"
        if self.scale is Scale.CES:
            return f"{self.value:.1f}"
        if self.margin is not None:
            return f"{self.point_text(self.value)} ± {_half_up(self.margin):d}"
        if self.low is None or self.high is None:
            return self.point_text(self.value)
        return f"{self.point_text(self.value)} " \
            f"({self.point_text(self.low)} to {self.point_text(self.high)})"

    def point_text(self, value: float) -> str:
        """One value on this scale without its interval: "+32", "-5", "87%", "5.6"."""
        if self.scale is Scale.CES:
            return f"{value:.1f}"
        points = _half_up(value)
        if self.scale is Scale.NPS:
            return f"+{points:d}" if points > 0 else f"{points:d}"
        return f"{points:d}%"

    def category_counts(self) -> list[tuple[str, int]]:
        """(name in the scale's words, count); thumbs have no middle so it is left out.

        The name agrees with its count: "1 passive", "2 passives".
        """
        counts = [
            (Category.PROMOTER, self.promoters),
            (Category.PASSIVE, self.passives),
            (Category.DETRACTOR, self.detractors),
        ]
        return [
            (self.scale.category_name(category, plural=count != 1), count)
            for category, count in counts
            if not (self.scale is Scale.THUMBS and category is Category.PASSIVE)
        ]


def summarize(scale: Scale, tally: Tally) -> ScoreSummary:
    value, interval = _score(scale, tally)
    low, high, margin = interval if interval is not None else (None, None, None)
    return ScoreSummary(
        scale=scale,
        n=tally.n,
        promoters=tally.promoters,
        passives=tally.passives,
        detractors=tally.detractors,
        value=value,
        margin=margin,
        low=low,
        high=high,
    )


def _score(scale: Scale, tally: Tally) -> tuple[float | None, Interval | None]:
    n = tally.n
    if n == 0:
        return None, None
    if scale is Scale.NPS:
        return 100 * (tally.promoters - tally.detractors) / n, \
            nps_interval(tally.promoters, tally.detractors, n)
    if scale is Scale.CES:
        return tally.score_sum / n, None
    # CSAT counts 4-5 as satisfied; thumbs count "up": both are the promoter bucket.
    return 100 * tally.promoters / n, share_interval(tally.promoters, n)


def nps_interval(promoters: int, detractors: int, n: int) -> Interval:
    """The 95% interval of an NPS, in points: the normal one where it is right."""
    p, d = promoters / n, detractors / n
    # The variance of the +1 / 0 / -1 indicator per rating; rounding can push a zero
    # variance a hair below zero.
    margin = Z_95 * 100 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    value = 100 * (p - d)
    if _behaves(value, margin, -100.0, 100.0):
        return value - margin, value + margin, margin
    low, high = _newcombe(p, wilson(promoters, n), d, wilson(detractors, n))
    return 100 * low, 100 * high, None


def share_interval(hits: int, n: int) -> Interval:
    """The 95% interval of a share, in percent: the normal one where it is right."""
    p = hits / n
    margin = Z_95 * 100 * math.sqrt(p * (1 - p) / n)
    if _behaves(100 * p, margin, 0.0, 100.0):
        return 100 * p - margin, 100 * p + margin, margin
    low, high = wilson(hits, n)
    return 100 * low, 100 * high, None


def wilson(hits: int, n: int) -> tuple[float, float]:
    """Wilson's 95% score interval of the share hits / n, as fractions (0..1).

    Unlike p ± z·sqrt(p(1 - p) / n) it keeps a width at p = 0 or 1 (0 of 8 gives 0 to
    .32) and never leaves 0..1, because it inverts the test instead of the estimate.
    """
    p, z2 = hits / n, Z_95 * Z_95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z_95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # Clamped: at p = 0 or 1 the end is exactly 0 or 1, but floats land a hair beyond.
    return max(centre - half, 0.0), min(centre + half, 1.0)


def _newcombe(
    p: float, p_ends: tuple[float, float], d: float, d_ends: tuple[float, float]
) -> tuple[float, float]:
    """The interval of p - d from the intervals of p and of d (Newcombe's MOVER).

    p and d are shares of the same ratings, so they move against each other: their
    correlation -sqrt(p d / ((1 - p)(1 - d))) widens the interval of the difference.
    """
    rho = -math.sqrt(p * d / ((1 - p) * (1 - d))) if p * d > 0 else 0.0
    below_p, above_p = p - p_ends[0], p_ends[1] - p
    below_d, above_d = d - d_ends[0], d_ends[1] - d
    low = (p - d) - math.sqrt(max(
        below_p ** 2 + above_d ** 2 - 2 * rho * below_p * above_d, 0.0))
    high = (p - d) + math.sqrt(max(
        above_p ** 2 + below_d ** 2 - 2 * rho * above_p * below_d, 0.0))
    return max(low, -1.0), min(high, 1.0)


def _behaves(value: float, margin: float, lowest: float, highest: float) -> bool:
    # The normal margin is 0 at an extreme (no ratings disagreed, so it sees no spread)
    # and spills past the scale close to one: there it claims what the ratings can't say.
    return margin > 0 and value - margin >= lowest and value + margin <= highest


def _half_up(x: float) -> int:
    # round() rounds halves to even (32.5 -> 32); people expect 33 (and -33 for -32.5).
    rounded = math.floor(abs(x) + 0.5)
    return rounded if x >= 0 else -rounded
