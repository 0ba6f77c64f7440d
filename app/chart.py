"""A PNG chart of a team's weekly score with its 95% band (the optional `charts` extra).

`MatplotlibCharts` is the core's `ChartRenderer`; without matplotlib it draws nothing.
The chart is drawn for the size it is shown at (`ChartSize.shown_width`): one point of
type is one pixel on the reader's screen, so text keeps its size whether the picture is
a Slack preview or a Teams card, and a 2x picture stays sharp on a sharp screen.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from bot.domain.digest import Digest, WeekScore
from bot.domain.digest_after_score import weekly_lost_hours
from bot.domain.digest_text import scale_label
from bot.domain.scales import Scale
from bot.domain.texts import text
from bot.ports.charts import FULL_SIZE, ChartSize

# The y axis spans the whole scale, so a small wobble does not look like a cliff.
_RANGES = {Scale.NPS: (-100.0, 100.0), Scale.CSAT: (0.0, 100.0),
           Scale.CES: (1.0, 7.0), Scale.THUMBS: (0.0, 100.0)}


@dataclass(frozen=True, slots=True)
class Look:
    """ratebot's chart style: one blue, quiet greys, no box.

    Sizes are in points, which `ChartSize` makes one pixel each where the chart is shown.
    """

    ink: str = "#1f2933"  # titles and the score's line
    muted: str = "#616e7c"  # axis labels and ticks
    rule: str = "#e4e7eb"  # grid lines and the zero line's lighter cousins
    line: str = "#2563eb"
    band: str = "#bfd4fb"
    bar: str = "#f6d7a7"  # the work hours lost: warm, and quieter than the score
    pulse: str = "#7b3fa0"  # the relationship pulse: a point of its own colour
    title_px: float = 14
    text_px: float = 11  # axis ticks and legend: readable at a Teams card's 420 px
    line_px: float = 2.25
    marker_px: float = 6


LOOK = Look()


def _figure_class() -> Any | None:
    try:
        # A bare Figure draws with the Agg canvas into memory: no pyplot, so no global
        # figure registry, no display and no GUI toolkit, safe in a server thread.
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    del FigureCanvasAgg  # imported to fail early when the Agg backend is missing
    return Figure


def render_chart(digest: Digest, size: ChartSize = FULL_SIZE) -> bytes | None:
    """The chart as PNG bytes of exactly `size`; None without matplotlib."""
    figure = draw_chart(digest, size)
    if figure is None:
        return None
    buffer = io.BytesIO()
    # No bbox_inches="tight": it would change the size the caller was promised.
    figure.savefig(buffer, format="png", dpi=size.dpi)
    if size.colors is None:
        return buffer.getvalue()
    return _palette_png(buffer.getvalue(), size.colors)


def draw_chart(digest: Digest, size: ChartSize = FULL_SIZE) -> Any | None:
    """The chart as a matplotlib Figure (for `render_chart`, and for tests to inspect)."""
    figure_class = _figure_class()
    if figure_class is None:
        return None
    figure = figure_class(figsize=(size.width_px / size.dpi, size.height_px / size.dpi),
                          dpi=size.dpi, facecolor="white")
    axes = figure.add_subplot(1, 1, 1)
    weeks = [point for point in digest.history if point.score.value is not None]
    where = {point.week: index for index, point in enumerate(digest.history)}
    _plot(axes, digest, [where[point.week] for point in weeks], weeks)
    low, high = _RANGES[digest.scale]
    # The weeks the digest's sparkline shows too: from the first with ratings.
    first = where[digest.trend[0].week] if weeks else 0
    axes.set_xlim(first - 0.5, len(digest.history) - 0.5)
    axes.set_ylim(low, high)
    _style(axes, digest.scale)
    lost = _lost_bars(axes, digest)  # on a second axis, when anyone answered
    pulse = digest.pulse_on_chart
    if pulse is not None:  # beside the week's score, apart from the ticket line
        axes.plot([len(digest.history) - 1], [pulse], linestyle="none", marker="D",
                  markersize=LOOK.marker_px + 1, color=LOOK.pulse, clip_on=False, zorder=4,
                  label=text("chart.pulse", digest.locale))
    # Margins in screen pixels, as figure fractions of this size: the title on top, the
    # legend under it, the week labels below the axes, the same on screen at every size.
    shown_w, shown_h = size.shown_width, size.shown_width * size.height_px / size.width_px
    figure.subplots_adjust(left=46 / shown_w, right=1 - (44 if lost else 14) / shown_w,
                           top=1 - 58 / shown_h, bottom=30 / shown_h)
    figure.text(8 / shown_w, 1 - 8 / shown_h, _title(digest, shown_w),
                ha="left", va="top", fontsize=LOOK.title_px, color=LOOK.ink,
                fontweight="bold", parse_math=False)
    if weeks:
        handles, labels = axes.get_legend_handles_labels()
        if lost is not None:
            handles, labels = [*handles, lost], [*labels, lost.get_label()]
        axes.legend(handles, labels, loc="upper left",
                    bbox_to_anchor=(8 / shown_w, 1 - 30 / shown_h),
                    bbox_transform=figure.transFigure, borderaxespad=0, borderpad=0,
                    ncols=len(handles), frameon=False,
                    fontsize=LOOK.text_px, labelcolor=LOOK.muted, handlelength=1.4,
                    columnspacing=1.2)
    return figure


def _title(digest: Digest, shown_width: float) -> str:
    """The title, its team name cut short to fit the width (a bold letter is ~0.65 em)."""
    unit = text(f"chart.unit.{digest.scale.value}", digest.locale)
    room = int((shown_width - 16) / (0.65 * LOOK.title_px)) - len(
        text("chart.title", digest.locale, team="", unit=unit))
    name = digest.team_display_name
    if len(name) > room:
        name = name[: max(room - 1, 1)].rstrip() + "…"
    return text("chart.title", digest.locale, team=name, unit=unit)


def _plot(axes: Any, digest: Digest, positions: list[int], weeks: list[WeekScore]) -> None:
    """The band and the line over the weeks that have ratings, and nowhere else."""
    locale = digest.locale
    values = [point.score.value or 0.0 for point in weeks]
    lows = [point.score.low if point.score.low is not None else value
            for point, value in zip(weeks, values, strict=True)]
    highs = [point.score.high if point.score.high is not None else value
             for point, value in zip(weeks, values, strict=True)]
    # A week without ratings breaks the line: the band and line do not bridge the gap,
    # and a week on its own gets its interval as a bar.
    for number, run in enumerate(_runs(positions)):
        indexes = [positions.index(position) for position in run]
        label = text("chart.interval", locale) if number == 0 else None
        if len(run) == 1:
            axes.vlines(run, [lows[indexes[0]]], [highs[indexes[0]]], color=LOOK.band,
                        linewidth=LOOK.marker_px + 2, label=label)
            continue
        axes.fill_between(run, [lows[i] for i in indexes], [highs[i] for i in indexes],
                          color=LOOK.band, linewidth=0, label=label)
    # Not clipped: a point at the scale's end (100%) is drawn whole.
    axes.plot(positions, values, linestyle="none", marker="o",
              markersize=LOOK.marker_px, color=LOOK.line, clip_on=False, zorder=3)
    for number, run in enumerate(_runs(positions)):
        axes.plot(run, [values[positions.index(p)] for p in run], color=LOOK.line,
                  linewidth=LOOK.line_px, solid_capstyle="round",
                  label=scale_label(digest.scale, locale) if number == 0 else None)
    axes.set_xticks(positions, [text("chart.week", locale, week=point.week.week)
                                for point in weeks])


def _lost_bars(axes: Any, digest: Digest) -> Any | None:
    """The work hours lost each week as quiet bars on a second axis behind the score, its
    scale on the right; None (and no second axis) when nobody answered the question."""
    hours = weekly_lost_hours(digest)
    if not hours:
        return None
    lost = axes.twinx()
    weeks = [index for index, value in enumerate(hours) if value is not None]
    bars = lost.bar(weeks, [hours[index] for index in weeks], width=0.5, color=LOOK.bar,
                    linewidth=0, label=text("chart.lost_hours", digest.locale))
    top = max(value for value in hours if value is not None) or 1.0
    lost.set_ylim(0, top * 1.15)
    lost.set_yticks([0, top])
    lost.yaxis.set_major_formatter(
        lambda value, _: text("chart.hours", digest.locale, hours=f"{value:.0f}"))
    for side in ("top", "right", "left", "bottom"):
        lost.spines[side].set_visible(False)
    lost.tick_params(axis="y", labelsize=LOOK.text_px, colors=LOOK.muted, length=0, pad=4)
    # The score's line and band stay in front of the bars; the band lets them show through.
    axes.set_zorder(lost.get_zorder() + 1)
    axes.patch.set_visible(False)
    for band in axes.collections:
        band.set_alpha(0.6)
    return bars


def _runs(positions: list[int]) -> list[list[int]]:
    """Consecutive weeks, grouped: [0, 1, 2, 5, 6] -> [[0, 1, 2], [5, 6]]."""
    runs: list[list[int]] = []
    for position in positions:
        if runs and runs[-1][-1] == position - 1:
            runs[-1].append(position)
        else:
            runs.append([position])
    return runs


def _style(axes: Any, scale: Scale) -> None:
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(LOOK.rule)
    axes.tick_params(axis="both", labelsize=LOOK.text_px, colors=LOOK.muted,
                     length=0, pad=6)
    axes.grid(axis="y", color=LOOK.rule, linewidth=1)
    axes.set_axisbelow(True)
    if scale is Scale.NPS:
        axes.axhline(0, color=LOOK.muted, linewidth=1, alpha=0.6)
    # The ends and the middle: enough to read a level by, and few glyphs to carry in a card.
    low, high = _RANGES[scale]
    axes.set_yticks([low, (low + high) / 2, high])
    if scale is Scale.CES:
        axes.yaxis.set_major_formatter(lambda value, _: f"{value:.0f}")
    elif scale is Scale.NPS:
        axes.yaxis.set_major_formatter(lambda value, _: f"{value:+.0f}" if value else "0")
    else:
        axes.yaxis.set_major_formatter(lambda value, _: f"{value:.0f}%")


class MatplotlibCharts:
    """The `ChartRenderer` the composition root wires in."""

    def render(self, digest: Digest, size: ChartSize = FULL_SIZE) -> bytes | None:
        return render_chart(digest, size)


def _palette_png(png: bytes, colors: int) -> bytes:
    # Pillow comes with matplotlib (a required dependency of it), so it is here too.
    from PIL import Image

    with Image.open(io.BytesIO(png)) as drawn:
        reduced = drawn.convert("RGB").quantize(colors=colors)
    buffer = io.BytesIO()
    reduced.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
