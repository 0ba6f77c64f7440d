"""Prompts not sent yet, as an admin asks after them: how many, and why they wait."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Waiting:
    """The pending prompts of one team at one moment.

    `due` go out on the delivery worker's next round. `later` wait for a later time:
    the team's send delay or the person's working hours, or a retry after a failed
    attempt, whose last error `retrying` counts by reason.
    """

    due: int = 0
    later: int = 0
    retrying: Mapping[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.due + self.later
