"""A PNG chart of a team's weekly score with its margin band (the optional `charts` extra).

`MatplotlibCharts` is the core's `ChartRenderer`; without matplotlib it draws nothing.
"""

from __future__ import annotations

import io
import math
from typing import Any

from bot.domain.digest import Digest
from bot.domain.scales import Scale
from bot.ports.charts import FULL_SIZE, ChartSize

# The y axis spans the whole scale, so a small wobble does not look like a cliff.
_RANGES = {Scale.NPS: (-100.0, 100.0), Scale.CSAT: (0.0, 100.0),
           Scale.CES: (1.0, 7.0), Scale.THUMBS: (0.0, 100.0)}
_UNITS = {Scale.NPS: "NPS", Scale.CSAT: "CSAT, % satisfied",
          Scale.CES: "CES, mean", Scale.THUMBS: "% thumbs up"}


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
    """The chart as PNG bytes of `size` (1200 x 600 by default); None without matplotlib."""
    figure_class = _figure_class()
    if figure_class is None:
        return None
    weeks = [f"W{point.week.week:02d}" for point in digest.history]
    values = [_nan(point.score.value) for point in digest.history]
    margins = [_nan(point.score.margin) if point.score.value is not None else math.nan
               for point in digest.history]
    low, high = _RANGES[digest.scale]
    figure = figure_class(figsize=(size.width_px / size.dpi, size.height_px / size.dpi),
                          dpi=size.dpi)
    axes = figure.add_subplot(1, 1, 1)
    positions = list(range(len(weeks)))
    band_low = [max(v - m, low) if not math.isnan(m) else math.nan
                for v, m in zip(values, margins, strict=True)]
    band_high = [min(v + m, high) if not math.isnan(m) else math.nan
                 for v, m in zip(values, margins, strict=True)]
    axes.fill_between(positions, band_low, band_high, color="#9ecae1", alpha=0.5,
                      linewidth=0, label="95% margin of error")
    axes.plot(positions, values, color="#08519c", marker="o", linewidth=2,
              label=_UNITS[digest.scale])
    if digest.scale is Scale.NPS:
        axes.axhline(0, color="#999999", linewidth=0.8)
    axes.set_xticks(positions, weeks)
    axes.set_ylim(low, high)
    axes.set_title(f"{digest.team_display_name}: weekly {_UNITS[digest.scale]}",
                   fontsize=11, parse_math=False)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="lower left", fontsize=8, frameon=False)
    buffer = io.BytesIO()
    # No bbox_inches="tight": it would change the size the caller was promised.
    figure.savefig(buffer, format="png", dpi=size.dpi)
    if size.colors is None:
        return buffer.getvalue()
    return _palette_png(buffer.getvalue(), size.colors)


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


def _nan(value: float | None) -> float:
    return math.nan if value is None else value
