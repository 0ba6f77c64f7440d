"""What a score button carries: which prompt, which score, and the rating's receipt."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateValue:
    """A score button's value, read back from a click (`adapters.slack.inbound`)."""

    prompt_id: int
    score: int
    receipt: str | None = None

    def encode(self) -> str:
        return rate_value(self.prompt_id, self.score, self.receipt)

    @classmethod
    def decode(cls, value: str) -> RateValue:
        """Raise ValueError for anything that is not a value this module wrote."""
        prompt, score, receipt = value.split(":", 2)
        return cls(int(prompt), int(score), receipt or None)


def rate_value(prompt_id: int, score: int, receipt: str | None) -> str:
    """`RateValue.encode`'s text, without a `RateValue` for each button of every redraw."""
    return f"{prompt_id}:{score}:{receipt or ''}"
