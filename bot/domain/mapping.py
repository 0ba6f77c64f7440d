"""A helpdesk group mapped to a ratebot team."""

from __future__ import annotations

from dataclasses import dataclass

MAX_GROUP_LENGTH = 200


@dataclass(frozen=True, slots=True)
class GroupMapping:
    source: str
    group: str  # as the helpdesk spells it (matched case-insensitively)
    team: str
    moved_from: str | None = None  # the team it was mapped to until this mapping moved it


def group_key(group: str) -> str:
    """Helpdesks disagree about case and stray spaces in group names; keys do not."""
    return " ".join(group.split()).casefold()
