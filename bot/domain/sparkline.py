"""A compact text sparkline (▁▂▃▄▅▆▇█) of a weekly series, for chat messages."""

from __future__ import annotations

from collections.abc import Sequence

BARS = "▁▂▃▄▅▆▇█"
GAP = "·"  # a week without ratings


def sparkline(values: Sequence[float | None]) -> str:
    """One character per value, scaled between the series' own minimum and maximum.

    The series is compared with itself only (a team against its own history), so the
    lowest week is always the lowest bar. A flat series is drawn at mid height, and a
    week without a value as a dot.
    """
    known = [v for v in values if v is not None]
    if not known:
        return GAP * len(values)
    low, high = min(known), max(known)
    top = len(BARS) - 1
    chars = []
    for value in values:
        if value is None:
            chars.append(GAP)
        elif high - low < 1e-9:
            chars.append(BARS[top // 2])
        else:
            chars.append(BARS[round((value - low) / (high - low) * top)])
    return "".join(chars)
