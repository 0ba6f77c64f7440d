"""The chart reports a relationship pulse that closed in its last week: a point of its own
beside an NPS line, with a legend entry and the Teams alt text saying so."""

from __future__ import annotations

import dataclasses

import pytest

from adapters.teams.digest_card import digest_card
from app.chart import draw_chart
from bot.domain.digest import Digest
from bot.domain.messages import DigestMessage
from bot.domain.scales import Scale
from tests.unit.test_digest_render import CARD, with_gaps
from tests.unit.test_pulse import _closing


def with_pulse(locale: str = "en") -> Digest:
    return dataclasses.replace(with_gaps(), pulse=_closing(), locale=locale)


def _pulse_points(digest: Digest) -> list[tuple[float, float]]:
    figure = draw_chart(digest, CARD)
    return [(float(line.get_xdata()[0]), float(line.get_ydata()[0]))
            for line in figure.axes[0].get_lines() if line.get_marker() == "D"]


@pytest.mark.parametrize(("locale", "label"),
                         [("en", "Relationship pulse"), ("nl", "Relatiepeiling")])
def test_the_pulse_is_a_diamond_in_the_week_it_closed(locale: str, label: str) -> None:
    pytest.importorskip("matplotlib")
    digest = with_pulse(locale)
    assert digest.scale is Scale.NPS
    assert _pulse_points(digest) == [(len(digest.history) - 1,
                                      pytest.approx(digest.pulse.score.value))]  # type: ignore[union-attr]
    legend = [entry.get_text() for entry in draw_chart(digest, CARD).axes[0]
              .get_legend().get_texts()]
    assert label in legend


def test_no_pulse_no_diamond_and_never_on_another_scales_axis() -> None:
    pytest.importorskip("matplotlib")
    assert _pulse_points(with_gaps()) == []
    assert with_pulse().pulse_on_chart is not None
    csat = dataclasses.replace(with_pulse(), scale=Scale.CSAT)
    assert csat.pulse_on_chart is None  # NPS points on a CSAT axis would mix units


def test_the_alt_text_mentions_the_pulse() -> None:
    card = digest_card(DigestMessage(with_pulse("nl")), b"\x89PNG fake")
    [image] = [element for element in card["body"] if element.get("type") == "Image"]
    assert image["altText"].endswith(
        ", en een ruit voor de relatiepeiling die in de laatste week sloot")
