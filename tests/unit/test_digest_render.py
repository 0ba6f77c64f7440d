"""Rendering a digest: the text (escaping left to the platform) and the PNG chart."""

from __future__ import annotations

import dataclasses
import struct
import sys
from datetime import UTC, datetime

import pytest

from app.chart import draw_chart, render_chart
from bot.domain.digest import HISTORY_WEEKS, AgentLine, Digest, WeekScore
from bot.domain.digest_text import render_digest
from bot.domain.model import Anonymity
from bot.domain.scales import Category, Scale
from bot.domain.scores import summarize
from bot.domain.tallies import DigestComment, FollowUpCounts, PromptTally, Tally
from bot.domain.trend import compare
from bot.domain.weeks import IsoWeek
from bot.ports.charts import FULL_SIZE, HEIGHT_PX, WIDTH_PX, ChartSize

WEEK = IsoWeek(2026, 47)


def make_digest(scale: Scale = Scale.NPS, *, empty_weeks: int = 3) -> Digest:
    tallies = [Tally() if i < empty_weeks else
               Tally(n=10, promoters=3 + i % 4, passives=2, detractors=5 - i % 4,
                     score_sum=60 + i)
               for i in range(HISTORY_WEEKS)]
    history = tuple(WeekScore(WEEK.shift(i - HISTORY_WEEKS + 1), summarize(scale, t))
                    for i, t in enumerate(tallies))
    return Digest(
        team_name="servicedesk", team_display_name="R&D <Desk>", scale=scale,
        anonymity=Anonymity.IDENTIFIED, timezone="UTC", week=WEEK,
        since=datetime(2026, 11, 16, tzinfo=UTC), until=datetime(2026, 11, 23, tzinfo=UTC),
        score=history[-1].score,
        prompts=PromptTally(sent=12, answered=10, failed={"channel_not_found <x>": 2}),
        history=history,
        change=compare(scale, tallies[-1], tallies[-2]),
        comments=(
            DigestComment(Category.DETRACTOR, 3, "Slow *and*\nrude <@U123>",
                          datetime(2026, 11, 17, tzinfo=UTC), author="Bram <b>"),
        ),
        follow_ups=FollowUpCounts(opened=4, claimed=2, resolved=1),
        agents=(AgentLine("Piet & co", 6, summarize(scale, tallies[-1])),),
        min_respondents=5,
    )


def test_everything_a_person_typed_goes_through_the_escape() -> None:
    text = render_digest(make_digest(), escape=lambda s: f"[{s}]")
    assert "*[R&D <Desk>]: weekly ratings" in text
    assert "> [Slow *and* rude <@U123>] (3, detractor) — [Bram <b>]" in text
    assert "• [Piet & co]:" in text
    # A delivery failure is said in the catalogue's words: no platform code, nothing raw.
    assert "could not find the conversation" in text and "channel_not_found" not in text
    # Unescaped by default: the platform renderer decides.
    assert "R&D <Desk>" in render_digest(make_digest())


def test_a_late_digest_says_so() -> None:
    assert "Posted late" in render_digest(make_digest(), late=True)
    assert "Posted late" not in render_digest(make_digest())


@pytest.mark.parametrize("scale", list(Scale))
def test_every_scale_renders(scale: Scale) -> None:
    text = render_digest(make_digest(scale))
    assert text.count("\n") > 5 and "None" not in text


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("scale", list(Scale))
def test_the_chart_is_a_png_of_the_promised_size(scale: Scale) -> None:
    pytest.importorskip("matplotlib")
    data = render_chart(make_digest(scale))
    assert data is not None
    assert _png_size(data) == (WIDTH_PX, HEIGHT_PX) == (1200, 600)
    assert data.endswith(b"IEND\xaeB`\x82")
    assert len(data) > 10_000  # a drawn chart, not an empty canvas


# A Teams card shows the chart about 420 px wide; Slack's preview about 600.
CARD = ChartSize.shown_at(420, 210, colors=32)


def with_gaps(scale: Scale = Scale.NPS) -> Digest:
    """Twelve weeks of which W38 (and W45, W46) had no ratings, and W42 only praise."""
    digest = make_digest(scale, empty_weeks=0)
    history = list(digest.history)
    for index in (2, 9, 10):
        history[index] = dataclasses.replace(history[index], score=summarize(scale, Tally()))
    history[6] = dataclasses.replace(history[6], score=summarize(scale, Tally(n=2, promoters=2)))
    return dataclasses.replace(digest, history=tuple(history))


@pytest.mark.parametrize(("size", "pixels"), [(FULL_SIZE, (1200, 600)), (CARD, (840, 420))])
def test_the_chart_is_drawn_at_twice_the_size_it_is_shown(
    size: ChartSize, pixels: tuple[int, int]
) -> None:
    pytest.importorskip("matplotlib")
    data = render_chart(with_gaps(), size)
    assert data is not None
    assert _png_size(data) == pixels
    assert size.shown_width * 2 == pixels[0]  # 2x: sharp on a sharp screen


@pytest.mark.parametrize("scale", list(Scale))
def test_every_week_on_the_x_axis_has_a_point(scale: Scale) -> None:
    pytest.importorskip("matplotlib")
    digest = with_gaps(scale)
    figure = draw_chart(digest, CARD)
    [axes] = figure.axes
    rated = [index for index, point in enumerate(digest.history) if point.score.n]
    assert list(axes.get_xticks()) == rated
    labels = [label.get_text() for label in axes.get_xticklabels()]
    assert labels == [f"W{digest.history[i].week.week:02d}" for i in rated]
    assert "W38" not in labels and "W45" not in labels
    # ...and each tick's point is drawn there: the markers sit on exactly these weeks.
    points = {x for line in axes.get_lines() if line.get_marker() == "o"
              for x in line.get_xdata()}
    assert points == set(rated)


def test_a_week_of_only_praise_has_a_band_not_a_zero_margin() -> None:
    week = with_gaps().history[6].score
    assert week.value == 100.0 and week.low is not None and week.low < 60


@pytest.mark.parametrize("size", [CARD, FULL_SIZE])
def test_the_text_is_readable_where_the_chart_is_shown(size: ChartSize) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = draw_chart(with_gaps(), size)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    [axes] = figure.axes
    legend = axes.get_legend()
    texts = [*axes.get_xticklabels(), *axes.get_yticklabels(), *legend.get_texts(),
             *figure.texts]
    assert len(legend.get_texts()) == 2 and len(figure.texts) == 1  # the title
    density = size.width_px / size.shown_width
    for text in texts:
        box = text.get_window_extent(renderer)
        # An x-height of 6 px and more reads at arm's length: 11 px type, on screen.
        assert box.height / density >= 10, (text.get_text(), box.height / density)
        # Nothing is cut off at the picture's edges.
        assert box.x0 >= 0 and box.x1 <= size.width_px + 1, text.get_text()
        assert box.y0 >= 0 and box.y1 <= size.height_px + 1, text.get_text()


def test_a_long_team_name_is_cut_short_to_fit() -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    digest = dataclasses.replace(with_gaps(), team_display_name="Application development "
                                 "and integration services for the whole organisation")
    figure = draw_chart(digest, CARD)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    [title] = figure.texts
    assert title.get_text().endswith("…: weekly NPS")
    assert title.get_window_extent(canvas.get_renderer()).x1 <= CARD.width_px


def test_no_chart_without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes the import fail as if the package were not installed.
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    assert render_chart(make_digest()) is None
