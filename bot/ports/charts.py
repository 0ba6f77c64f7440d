"""Drawing a digest's chart: a port, because the drawing library is optional and heavy.

The composition root wires a renderer (`app.chart.MatplotlibCharts`); without one, or
without the `charts` extra, every digest goes out as its text alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.digest import Digest

# Shown 600 x 300 (a Slack preview), drawn at 2x for sharp screens: 72 dpi per density.
WIDTH_PX, HEIGHT_PX, DPI = 1200, 600, 144


@dataclass(frozen=True, slots=True)
class ChartSize:
    """The picture's pixels and resolution (fonts are in points: a lower dpi shrinks them).

    At `dpi` = 72 x density a point of type is one pixel where the picture is shown
    `shown_width` pixels wide: a chart drawn for that width reads the same at any density.
    `colors` asks for a palette PNG of at most that many colours: three times fewer bytes
    for a line chart, for places that limit a message's size (a Teams card).
    """

    width_px: int = WIDTH_PX
    height_px: int = HEIGHT_PX
    dpi: int = DPI
    colors: int | None = None

    @classmethod
    def shown_at(
        cls, width: int, height: int, *, density: int = 2, colors: int | None = None
    ) -> ChartSize:
        """A picture shown `width` x `height` screen pixels, `density` image pixels each."""
        return cls(width * density, height * density, 72 * density, colors)

    @property
    def shown_width(self) -> float:
        """The width, in screen pixels, at which a point of type is a pixel."""
        return self.width_px * 72 / self.dpi


FULL_SIZE = ChartSize.shown_at(WIDTH_PX // 2, HEIGHT_PX // 2)


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
