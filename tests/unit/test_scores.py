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
    ],
)
def test_thumbs(up: int, down: int, value: float, margin: float, text: str) -> None:
    summary = summarize(Scale.THUMBS, tally(up, 0, down))
    assert summary.value == pytest.approx(value)
    assert summary.margin == pytest.approx(margin, abs=0.001)
    assert summary.text == text


def test_the_normal_margin_is_the_interval_where_it_is_right() -> None:
    summary = summarize(Scale.CSAT, tally(15, 3, 2))
    assert (summary.low, summary.high) == pytest.approx((75 - 18.978, 75 + 18.978), abs=0.001)


# Wilson: centre (p + z²/2n) / (1 + z²/n), half-width z sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n),
# z² = 3.8416; worked out per case below.
@pytest.mark.parametrize(
    ("scale", "counts", "low", "high", "text"),
    [
        # 3 of 3: centre (1 + .64027) / 2.28053 = .71925, half 1.96 * .32667 / 2.28053
        # = .28075 -> 43.85 to 100 (the normal margin would say "100% ± 0")
        (Scale.CSAT, (3, 0, 0), 43.849, 100.0, "100% (44% to 100%)"),
        # 8 of 8: centre (1 + .24010) / 1.48020 = .83779, half 1.96 * .12250 / 1.48020
        # = .16221 -> 67.56 to 100: the "CSAT 100% ± 0 (n=8)"
        (Scale.CSAT, (8, 0, 0), 67.558, 100.0, "100% (68% to 100%)"),
        # 0 of 8: the mirror image, 0 to 32.44
        (Scale.CSAT, (0, 0, 8), 0.0, 32.442, "0% (0% to 32%)"),
        # 1 of 1 thumbs down: centre 1.9208 / 4.8416 = .39673, half 1.96 * .98 / 4.8416
        # = .39673 -> 0 to 79.35
        (Scale.THUMBS, (0, 0, 1), 0.0, 79.346, "0% (0% to 79%)"),
        # neutral and dissatisfied both count against: 1 of 4 = 25%; the normal margin
        # 196 * sqrt(.25 * .75 / 4) = 42.4 would reach -17%. Wilson: centre
        # (.25 + .48020) / 1.96040 = .37247, half 1.96 * sqrt(.046875 + .060025) / 1.96040
        # = .32689 -> 4.56 to 69.94
        (Scale.CSAT, (1, 2, 1), 4.559, 69.936, "25% (5% to 70%)"),
        # 1 of 2: the normal margin 69.3 would reach -19% and 119%; Wilson stays inside
        (Scale.CSAT, (1, 0, 1), 9.453, 90.547, "50% (9% to 91%)"),
    ],
)
def test_a_share_at_the_extremes_has_wilsons_interval(
    scale: Scale, counts: tuple[int, int, int], low: float, high: float, text: str
) -> None:
    summary = summarize(scale, tally(*counts))
    assert summary.margin is None  # not symmetric: it reads as its two ends
    assert (summary.low, summary.high) == pytest.approx((low, high), abs=0.001)
    assert summary.text == text


# NPS = p - d: the Wilson intervals of p and of d, combined (Newcombe):
#   low = (p - d) - sqrt((p - lp)² + (ud - d)² - 2 rho (p - lp)(ud - d)), high likewise,
#   rho = -sqrt(p d / ((1 - p)(1 - d))), the correlation of two shares of the same ratings.
@pytest.mark.parametrize(
    ("counts", "low", "high", "text"),
    [
        # 8 of 8 promoters: lp = .67558, ud = .32442, rho = 0
        # low = 1 - sqrt(.32442² + .32442²) = 1 - .45880 = .54121
        ((8, 0, 0), 54.121, 100.0, "+100 (+54 to +100)"),
        # 4 of 4 detractors: the mirror image; Wilson(4 of 4) low = .51018
        # high = -1 + sqrt(.48982² + .48982²) = -.30728
        ((0, 0, 4), -100.0, -30.718, "-100 (-100 to -31)"),
        # only passives: p = d = 0, Wilson(0 of 6) high = .39034, so -39 to +39
        ((0, 6, 0), -39.034, 39.034, "0 (-39 to +39)"),
        # 2 promoters, 1 detractor, no passives: rho = -1, so NPS = 2p - 1 exactly and its
        # interval is 2 * Wilson(2 of 3) - 1 = 2 * (.20765 .. .93850) - 1
        ((2, 0, 1), -58.470, 87.700, "+33 (-58 to +88)"),
    ],
)
def test_an_nps_at_the_extremes_combines_the_wilson_intervals_of_its_shares(
    counts: tuple[int, int, int], low: float, high: float, text: str
) -> None:
    summary = summarize(Scale.NPS, tally(*counts))
    assert summary.margin is None
    assert (summary.low, summary.high) == pytest.approx((low, high), abs=0.01)
    assert summary.text == text


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 50])
@pytest.mark.parametrize("scale", [Scale.NPS, Scale.CSAT, Scale.THUMBS])
def test_every_interval_has_a_width_holds_the_score_and_stays_on_the_scale(
    scale: Scale, n: int
) -> None:
    lowest = -100.0 if scale is Scale.NPS else 0.0
    for promoters in range(n + 1):
        for detractors in range(n - promoters + 1):
            passives = 0 if scale is Scale.THUMBS else n - promoters - detractors
            if scale is Scale.THUMBS and promoters + detractors != n:
                continue
            summary = summarize(scale, tally(promoters, passives, detractors))
            assert summary.low is not None and summary.high is not None
            assert summary.value is not None
            assert lowest <= summary.low <= summary.value <= summary.high <= 100.0
            assert summary.high - summary.low > 1.0


@pytest.mark.parametrize("scale", list(Scale))
def test_no_ratings_has_no_score(scale: Scale) -> None:
    summary = summarize(scale, Tally())
    assert (summary.value, summary.margin, summary.text) == (None, None, "—")
    assert (summary.low, summary.high) == (None, None)


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
    # a count of one is named as one
    assert summarize(Scale.NPS, tally(2, 1, 1)).category_counts() == [
        ("promoters", 2), ("passive", 1), ("detractor", 1),
    ]
    assert summarize(Scale.NPS, tally(0, 0, 0)).category_counts()[0] == ("promoters", 0)
