"""Score summaries: NPS, CSAT, CES and thumbs from a tally, with a 95% margin of error."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.domain.scales import Scale
from bot.domain.tallies import Tally

Z_95 = 1.96  # two-sided 95% quantile of the normal distribution


@dataclass(frozen=True, slots=True)
class ScoreSummary:
    """One team's score over one period. `value` and `margin` are None without ratings.

    NPS is in points (-100..100), CSAT and thumbs in percent, CES the mean score.
    """

    scale: Scale
    n: int
    promoters: int
    passives: int
    detractors: int
    value: float | None
    margin: float | None  # half-width of the 95% interval; None for CES (no variance kept)

    @property
    def text(self) -> str:
        """The score as people read it: "+32 ± 14", "87% ± 6", "5.6", or "—"."""
        if self.value is None:
            return "—"
        if self.scale is Scale.CES:
            return f"{self.value:.1f}"
        margin = "" if self.margin is None else f" ± {_half_up(self.margin):d}"
        if self.scale is Scale.NPS:
            points = _half_up(self.value)
            sign = "+" if points > 0 else ""
            return f"{sign}{points:d}{margin}"
        return f"{_half_up(self.value):d}%{margin}"

    def category_counts(self) -> list[tuple[str, int]]:
        """(name in the scale's words, count); thumbs have no middle so it is left out."""
        names = self.scale.spec.category_names
        counts = [
            (names[0], self.promoters),
            (names[1], self.passives),
            (names[2], self.detractors),
        ]
        if self.scale is Scale.THUMBS:
            del counts[1]
        return counts


def summarize(scale: Scale, tally: Tally) -> ScoreSummary:
    value, margin = _score(scale, tally)
    return ScoreSummary(
        scale=scale,
        n=tally.n,
        promoters=tally.promoters,
        passives=tally.passives,
        detractors=tally.detractors,
        value=value,
        margin=margin,
    )


def _score(scale: Scale, tally: Tally) -> tuple[float | None, float | None]:
    n = tally.n
    if n == 0:
        return None, None
    if scale is Scale.NPS:
        return nps(tally.promoters, tally.detractors, n)
    if scale is Scale.CES:
        return tally.score_sum / n, None
    # CSAT counts 4-5 as satisfied; thumbs count "up": both are the promoter bucket.
    return proportion(tally.promoters, n)


def nps(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    """NPS and its margin, from the variance of the +1 / 0 / -1 indicator per rating."""
    p, d = promoters / n, detractors / n
    variance = p + d - (p - d) ** 2
    # Rounding can push a zero variance a hair below zero.
    return 100 * (p - d), Z_95 * 100 * math.sqrt(max(variance, 0.0) / n)


def proportion(hits: int, n: int) -> tuple[float, float]:
    """A percentage and its normal-approximation margin."""
    p = hits / n
    return 100 * p, Z_95 * 100 * math.sqrt(p * (1 - p) / n)


def _half_up(x: float) -> int:
    # round() rounds halves to even (32.5 -> 32); people expect 33 (and -33 for -32.5).
    rounded = math.floor(abs(x) + 0.5)
    return rounded if x >= 0 else -rounded
