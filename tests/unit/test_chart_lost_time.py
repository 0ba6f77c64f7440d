"""The chart reports the work hours lost each week, as bars on a second axis, with its
legend entry and the Teams alt text saying so in the team's language."""

from __future__ import annotations

import dataclasses

import pytest

from adapters.teams.digest_card import digest_card
from app.chart import draw_chart, render_chart
from bot.domain.digest import Digest
from bot.domain.digest_after_score import weekly_lost_hours
from bot.domain.messages import DigestMessage
from bot.domain.reasons import LostTimeTally
from tests.unit.test_digest_render import CARD, with_gaps


def with_lost_time(locale: str = "en") -> Digest:
    digest = with_gaps()
    weeks = [LostTimeTally()] * len(digest.history)
    weeks[-1] = LostTimeTally(answers=2, hours=8.5)
    weeks[-3] = LostTimeTally(answers=1, hours=4.0)
    return dataclasses.replace(digest, lost_time=tuple(weeks), locale=locale)


def test_the_weeks_hours_are_scaled_to_all_their_ratings() -> None:
    digest = with_lost_time()
    hours = weekly_lost_hours(digest)
    assert len(hours) == len(digest.history)
    n = digest.history[-1].score.n
    assert hours[-1] == pytest.approx(8.5 / 2 * max(n, 2))
    assert hours[-2] is None
    assert weekly_lost_hours(with_gaps()) == []  # nobody answered: no bars at all


@pytest.mark.parametrize(("locale", "label"), [("en", "Hours lost"), ("nl", "Uren verloren")])
def test_the_chart_draws_the_hours_as_bars_with_a_legend_entry(locale: str, label: str) -> None:
    pytest.importorskip("matplotlib")
    figure = draw_chart(with_lost_time(locale), CARD)
    score_axes, lost_axes = figure.axes
    bars = [patch.get_x() + patch.get_width() / 2 for patch in lost_axes.patches]
    assert bars == [len(with_gaps().history) - 3, len(with_gaps().history) - 1]
    legend = [entry.get_text() for entry in score_axes.get_legend().get_texts()]
    assert legend[-1] == label and len(legend) == 3
    assert render_chart(with_lost_time(locale), CARD) is not None


def test_the_alt_text_says_the_bars_are_there() -> None:
    card = digest_card(DigestMessage(with_lost_time("nl")), b"\x89PNG fake")
    [image] = [element for element in card["body"] if element.get("type") == "Image"]
    assert image["altText"].endswith(
        ", en als staven de verloren werkuren per week, geschat over alle beoordelingen")
    plain = digest_card(DigestMessage(with_gaps()), b"\x89PNG fake")
    [image] = [element for element in plain["body"] if element.get("type") == "Image"]
    assert "bars" not in image["altText"]
