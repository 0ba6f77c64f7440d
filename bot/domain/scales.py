"""Rating scales and how a score on each is classified."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """The three-way split every scale maps onto.

    NPS calls them promoter / passive / detractor; for CSAT and CES the same buckets
    mean satisfied / neutral / dissatisfied and easy / neutral / hard. A detractor in
    any scale alerts the team.
    """

    PROMOTER = "promoter"
    PASSIVE = "passive"
    DETRACTOR = "detractor"


class Scale(StrEnum):
    NPS = "nps"
    CSAT = "csat"
    CES = "ces"
    THUMBS = "thumbs"

    @property
    def spec(self) -> ScaleSpec:
        return SCALES[self]

    def scores(self) -> range:
        return range(self.spec.low, self.spec.high + 1)

    def contains(self, score: int) -> bool:
        return self.spec.low <= score <= self.spec.high

    def classify(self, score: int) -> Category:
        spec = self.spec
        if not self.contains(score):
            raise ValueError(f"{score} is not on the {self.value} scale ({spec.low}-{spec.high})")
        if score >= spec.promoter_from:
            return Category.PROMOTER
        if score <= spec.detractor_to:
            return Category.DETRACTOR
        return Category.PASSIVE

    def category_name(self, category: Category, *, plural: bool = False) -> str:
        """The category in this scale's own words: "satisfied" for a CSAT promoter.

        Every place that names a category to people (exports, digests, alerts, stats)
        goes through here, so one scale is never described in two vocabularies.
        """
        index = (Category.PROMOTER, Category.PASSIVE, Category.DETRACTOR).index(category)
        spec = self.spec
        return spec.category_names[index] if plural else spec.category_singulars[index]

    @property
    def low_ratings(self) -> str:
        """The ratings that raise an alert, counted: "detractors", "dissatisfied ratings"."""
        return self.spec.low_ratings


@dataclass(frozen=True, slots=True)
class ScaleSpec:
    low: int
    high: int
    promoter_from: int  # this score and above: promoter / satisfied / easy
    detractor_to: int  # this score and below: detractor / dissatisfied / hard
    question: str  # the default question, {team} filled in
    category_names: tuple[str, str, str]  # promoter, passive, detractor in this scale's words
    category_singulars: tuple[str, str, str]  # the same, for one rating
    low_ratings: str  # the detractor bucket as a plural noun, in this scale's words


SCALES: dict[Scale, ScaleSpec] = {
    # 9-10 promoters, 7-8 passives, 0-6 detractors (DESIGN.md principle 5).
    Scale.NPS: ScaleSpec(
        0, 10, 9, 6,
        "How likely are you to recommend {team} to a colleague?",
        ("promoters", "passives", "detractors"),
        ("promoter", "passive", "detractor"),
        "detractors",
    ),
    # CSAT counts 4-5 as satisfied; 1-2 dissatisfied.
    Scale.CSAT: ScaleSpec(
        1, 5, 4, 2,
        "How satisfied are you with the help you got from {team}?",
        ("satisfied", "neutral", "dissatisfied"),
        ("satisfied", "neutral", "dissatisfied"),
        "dissatisfied ratings",
    ),
    # CES (7-point agreement with "{team} made it easy"): 5-7 easy, 1-3 hard.
    Scale.CES: ScaleSpec(
        1, 7, 5, 3,
        "{team} made it easy to get my issue handled. How much do you agree?",
        ("easy", "neutral", "hard"),
        ("easy", "neutral", "hard"),
        "hard ratings",
    ),
    # Thumbs: 1 up, 0 down; there is no middle.
    Scale.THUMBS: ScaleSpec(
        0, 1, 1, 0,
        "Did {team} help you well?",
        ("thumbs up", "neutral", "thumbs down"),
        ("thumbs up", "neutral", "thumbs down"),
        "thumbs-down ratings",
    ),
}
