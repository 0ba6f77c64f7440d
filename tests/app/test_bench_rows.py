"""The benchmarks of issue 15 run end to end (small, so they only prove the path works)."""

from __future__ import annotations

import pytest

from bench import help as help_bench
from bench import intake


@pytest.mark.slow
async def test_the_help_benchmark_times_ratebot_help_against_a_bare_interpreter() -> None:
    figures = await help_bench.run(rounds=1)
    assert set(figures) == {"python_s", "help_s", "ratio"}
    assert 0 < figures["python_s"] < figures["help_s"]
    assert figures["ratio"] == pytest.approx(figures["help_s"] / figures["python_s"])


@pytest.mark.slow
async def test_the_intake_benchmark_has_every_close_accepted_and_decided() -> None:
    figures = await intake.run(requests=60, concurrency=4, rounds=1)
    assert figures["bare_rps"] > 0 and figures["intake_rps"] > 0
    assert figures["ratio"] == pytest.approx(figures["intake_rps"] / figures["bare_rps"])
    assert figures["settle_lag_s"] >= 0
