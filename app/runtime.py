"""Process settings for a long-running server."""

from __future__ import annotations

import gc

# Collect the youngest generation after this many net allocations instead of 700. A click
# or a webhook allocates thousands of short-lived objects (rows, payloads, Block Kit), so
# the default runs a collection several times per request; the older generations follow
# at their usual pace relative to it.
YOUNG_GENERATION_THRESHOLD = 20_000


def tune_garbage_collector() -> None:
    """Call once the server is built: fewer collections, none scanning start-up objects.

    Everything alive after start-up (modules, settings, compiled statements, the bolt and
    Bot Framework apps) lives as long as the process; `gc.freeze` moves it out of every
    later collection's way. Measured with `python -m bench slack_click`: the p99 from a
    click to its updated message falls by about a third.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, 20, 50)
