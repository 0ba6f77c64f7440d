"""What a score button carries, read back from a click."""

from __future__ import annotations

import pytest

from adapters.slack.rate_value import RateValue, rate_value


def test_rate_value_round_trips_and_refuses_foreign_values() -> None:
    assert RateValue.decode(RateValue(7, 3, "abc").encode()) == RateValue(7, 3, "abc")
    assert RateValue.decode("7:3:") == RateValue(7, 3, None)
    for foreign in ("ticket-42:5", "", "1:x:"):
        with pytest.raises(ValueError):
            RateValue.decode(foreign)


def test_the_value_text_is_the_one_a_rate_value_encodes() -> None:
    assert rate_value(7, 3, "abc") == RateValue(7, 3, "abc").encode() == "7:3:abc"
    assert rate_value(7, 3, None) == RateValue(7, 3).encode() == "7:3:"
