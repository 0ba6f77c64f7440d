"""Drawing a digest's chart: a port, because the drawing library is optional and heavy.

The composition root wires a renderer (`app.chart.MatplotlibCharts`); without one, or
without the `charts` extra, every digest goes out as its text alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.digest import Digest

WIDTH_PX, HEIGHT_PX, DPI = 1200, 600, 150


@dataclass(frozen=True, slots=True)
class ChartSize:
    """The picture's pixels and resolution (fonts are in points: a lower dpi shrinks them).

    `colors` asks for a palette PNG of at most that many colours: three times fewer bytes
    for a line chart, for places that limit a message's size (a Teams card).
    """

    width_px: int = WIDTH_PX
    height_px: int = HEIGHT_PX
    dpi: int = DPI
    colors: int | None = None


FULL_SIZE = ChartSize()


class ChartRenderer(Protocol):
    def render(self, digest: Digest, size: ChartSize = FULL_SIZE) -> bytes | None:
        """The digest's weekly score as PNG bytes of `size`; None when it cannot draw.

        Drawing takes a fraction of a second of CPU: callers run it off the event loop.
        """
        ...


class NoCharts:
    """The renderer when none is wired: nothing is drawn."""

    def render(self, digest: Digest, size: ChartSize = FULL_SIZE) -> bytes | None:
        return None
