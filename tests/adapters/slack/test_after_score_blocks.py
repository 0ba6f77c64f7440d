"""The after-score buttons' values: written and read back whole, a team's own label with its
colons included; anything else refused."""

from __future__ import annotations

import pytest

from adapters.slack.after_score import Tap


@pytest.mark.parametrize("tap", [
    Tap(12, "abc_-DEF", True, "slow"),
    Tap(12, None, False, "low:Waited: ages"),
    Tap(7, "r", True, "half_day"),
])
def test_a_value_reads_back_as_written(tap: Tap) -> None:
    assert Tap.decode(tap.encode()) == tap


@pytest.mark.parametrize("value", ["", "12", "12:1:r", "x:1:r:slow", "12:2:r:slow", "12:1:r:"])
def test_anything_else_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        Tap.decode(value)
