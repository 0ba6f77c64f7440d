"""Score summaries against values worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import pytest

from bot.domain.scales import Scale
from bot.domain.scores import summarize
from bot.domain.tallies import Tally


def tally(promoters: int, passives: int, detractors: int, score_sum: int = 0) -> Tally:
    n = promoters + passives + detractors
    return Tally(n=n, promoters=promoters, passives=passives, detractors=detractors,
                 score_sum=score_sum)


@pytest.mark.parametrize(
    ("counts", "value", "margin", "text"),
    [
        # p = .5, d = .2: NPS = 100 * .3 = 30; var = .5 + .2 - .3^2 = .61
        # margin = 196 * sqrt(.61 / 10) = 196 * .246982 = 48.408
        ((5, 3, 2), 30.0, 48.408, "+30 ± 48"),
        # the same shares over 100 ratings: 196 * sqrt(.61 / 100) = 196 * .0781025 = 15.308
        ((50, 30, 20), 30.0, 15.308, "+30 ± 15"),
        # p = .25, d = .5: NPS = -25; var = .75 - .0625 = .6875
        # margin = 196 * sqrt(.6875 / 8) = 196 * .293151 = 57.458
        ((2, 2, 4), -25.0, 57.458, "-25 ± 57"),
        # everyone a detractor: NPS = -100, var = 1 - 1 = 0, so no spread at all
        ((0, 0, 4), -100.0, 0.0, "-100 ± 0"),
        # only passives: NPS = 0 (no sign), var = 0
        ((0, 6, 0), 0.0, 0.0, "0 ± 0"),
    ],
)
def test_nps(counts: tuple[int, int, int], value: float, margin: float, text: str) -> None:
    summary = summarize(Scale.NPS, tally(*counts))
    assert summary.n == sum(counts)
    assert summary.value == pytest.approx(value)
    assert summary.margin == pytest.approx(margin, abs=0.001)
    assert summary.text == text


@pytest.mark.parametrize(
    ("counts", "value", "margin", "text"),
    [
        # 15 of 20 satisfied: 75%; margin = 196 * sqrt(.75 * .25 / 20) = 196 * .0968246 = 18.978
        ((15, 3, 2), 75.0, 18.978, "75% ± 19"),
        # 87 of 100: margin = 196 * sqrt(.87 * .13 / 100) = 196 * .0336303 = 6.5915
        ((87, 8, 5), 87.0, 6.5915, "87% ± 7"),
        # all satisfied: 100%, p(1 - p) = 0
        ((3, 0, 0), 100.0, 0.0, "100% ± 0"),
        # neutral and dissatisfied both count against: 1 of 4 = 25%
        # margin = 196 * sqrt(.25 * .75 / 4) = 196 * .216506 = 42.435
        ((1, 2, 1), 25.0, 42.435, "25% ± 42"),
    ],
)
def test_csat(counts: tuple[int, int, int], value: float, margin: float, text: str) -> None:
    summary = summarize(Scale.CSAT, tally(*counts))
    assert summary.value == pytest.approx(value)
    assert summary.margin == pytest.approx(margin, abs=0.001)
    assert summary.text == text


@pytest.mark.parametrize(
    ("counts", "score_sum", "value", "text"),
    [
        ((3, 1, 1), 28, 5.6, "5.6"),  # 28 / 5 = 5.6
        ((0, 2, 2), 10, 2.5, "2.5"),  # 10 / 4 = 2.5
        ((3, 0, 0), 19, 6.3333, "6.3"),  # 19 / 3 = 6.333...
    ],
)
def test_ces_is_the_mean_without_margin(
    counts: tuple[int, int, int], score_sum: int, value: float, text: str
) -> None:
    summary = summarize(Scale.CES, tally(*counts, score_sum=score_sum))
    assert summary.value == pytest.approx(value, abs=0.0001)
    assert summary.margin is None  # the tally keeps no sum of squares
    assert summary.text == text


@pytest.mark.parametrize(
    ("up", "down", "value", "margin", "text"),
    [
        # 7 of 10 up: 196 * sqrt(.7 * .3 / 10) = 196 * .144914 = 28.403
        (7, 3, 70.0, 28.403, "70% ± 28"),
        # 45 of 50 up: 196 * sqrt(.9 * .1 / 50) = 196 * .0424264 = 8.3156
        (45, 5, 90.0, 8.3156, "90% ± 8"),
        # one thumbs down: 0%, no spread
        (0, 1, 0.0, 0.0, "0% ± 0"),
    ],
)
def test_thumbs(up: int, down: int, value: float, margin: float, text: str) -> None:
    summary = summarize(Scale.THUMBS, tally(up, 0, down))
    assert summary.value == pytest.approx(value)
    assert summary.margin == pytest.approx(margin, abs=0.001)
    assert summary.text == text


@pytest.mark.parametrize("scale", list(Scale))
def test_no_ratings_has_no_score(scale: Scale) -> None:
    summary = summarize(scale, Tally())
    assert (summary.value, summary.margin, summary.text) == (None, None, "—")


def test_halves_round_away_from_zero() -> None:
    # (20 - 7) / 40 = 32.5 -> +33, and the mirror image -> -33 (round() would give 32)
    assert summarize(Scale.NPS, tally(20, 13, 7)).text.startswith("+33 ")
    assert summarize(Scale.NPS, tally(7, 13, 20)).text.startswith("-33 ")


def test_categories_in_the_scales_words() -> None:
    assert summarize(Scale.CSAT, tally(4, 2, 1)).category_counts() == [
        ("satisfied", 4), ("neutral", 2), ("dissatisfied", 1),
    ]
    # thumbs have no middle
    assert summarize(Scale.THUMBS, tally(4, 0, 1)).category_counts() == [
        ("thumbs up", 4), ("thumbs down", 1),
    ]
