"""The Teams click benchmark runs end to end (small, so it only proves the path works)."""

from __future__ import annotations

import pytest

from bench.teams_click import run


@pytest.mark.slow
async def test_the_click_benchmark_stores_every_rating_and_reports_a_ratio() -> None:
    figures = await run(clicks=40, rounds=2)
    assert set(figures) == {"noop_rps", "click_rps", "ratio", "ratio_to_noop_with_reuse",
                            "noop_p99_ms", "p99_ms", "busy_retries"}
    assert figures["click_rps"] > 0 and figures["noop_rps"] > 0
    assert figures["ratio"] == pytest.approx(figures["click_rps"] / figures["noop_rps"])
