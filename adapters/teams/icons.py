"""The app's two icons, drawn as PNGs with the standard library (zlib and struct).

Teams wants a 192x192 full-colour icon and a 32x32 outline icon that is white on a
transparent background.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

Pixel = tuple[int, int, int, int]  # RGBA
ACCENT = (0x2F, 0x6F, 0xDE, 0xFF)
WHITE = (0xFF, 0xFF, 0xFF, 0xFF)
CLEAR = (0, 0, 0, 0)
_BARS = ((0.22, 0.55), (0.42, 0.35), (0.62, 0.18))  # (left, top) of each bar, as fractions


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An RGBA PNG whose pixel at (x, y) is `pixel(x, y)`."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type None for every scanline
        for x in range(width):
            rows.extend(pixel(x, y))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + _chunk(b"IEND", b""))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _in_bar(u: float, v: float) -> bool:
    """Three rising bars: a rating going up."""
    return any(left <= u < left + 0.16 and top <= v < 0.8 for left, top in _BARS)


def color_icon(size: int = 192) -> bytes:
    """White bars on the accent colour, with rounded corners."""
    radius = size * 0.18

    def pixel(x: int, y: int) -> Pixel:
        cx = min(x, size - 1 - x)
        cy = min(y, size - 1 - y)
        if cx < radius and cy < radius and (radius - cx) ** 2 + (radius - cy) ** 2 > radius**2:
            return CLEAR
        return WHITE if _in_bar(x / size, y / size) else ACCENT

    return png(size, size, pixel)


def outline_icon(size: int = 32) -> bytes:
    """The same bars, white on transparent."""

    def pixel(x: int, y: int) -> Pixel:
        return WHITE if _in_bar(x / size, y / size) else CLEAR

    return png(size, size, pixel)
