"""Questions after the score: one-tap reasons and the work time an issue cost.

A team's reasons setting is one string (`Team.reasons`): None for the default reasons,
"off", or its own labels as `low: A; B | high: C; D`. A reason is stored by a stable key:
the default ones by name (`slow`, their words in the catalogue), a team's own as
`low:<label>` or `high:<label>`, shown as typed, so a digest can say a reason given before
the team changed its labels. The low side is asked of detractors and passives ("what
held it back"), the high side of promoters, whatever the scale calls them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from bot.domain.scales import Category

OFF = "off"
MAX_LABELS = 6  # per side: a row of buttons
MAX_LABEL = 40
CUSTOM_SYNTAX = "low: Took too long; Not solved | high: Fast; Friendly"
REASONS_HELP = (
    "Reasons asked after the score: `team set <team> reasons off`, `default`, or the "
    f"team's own labels, like `{CUSTOM_SYNTAX}` (at most {MAX_LABELS} a side, "
    f"{MAX_LABEL} characters each). Work time lost: `team set <team> lost-time on`."
)


class Side(StrEnum):
    LOW = "low"  # detractors and passives: what held it back
    HIGH = "high"  # promoters: what went well


DEFAULTS: dict[Side, tuple[str, ...]] = {
    Side.LOW: ("slow", "not_solved", "explain_twice", "unfriendly"),
    Side.HIGH: ("fast", "solved_for_good", "clear", "friendly"),
}
DEFAULT_SIDE = {key: side for side, keys in DEFAULTS.items() for key in keys}


class LostTime(StrEnum):
    """How much work time the issue cost the person, as one of four taps."""

    NONE = "none"
    UNDER_HOUR = "under_1h"
    HALF_DAY = "half_day"
    DAY_OR_MORE = "day_plus"

    @property
    def hours(self) -> float:
        """The estimate a bucket counts as in the digest's hours lost."""
        return _HOURS[self]


_HOURS = {LostTime.NONE: 0.0, LostTime.UNDER_HOUR: 0.5, LostTime.HALF_DAY: 4.0,
          LostTime.DAY_OR_MORE: 8.0}


@dataclass(frozen=True, slots=True)
class AfterScore:
    """What a person answered after the score: the reasons chosen, the time lost."""

    reasons: tuple[str, ...] = ()
    lost_time: LostTime | None = None


def side_of(category: Category) -> Side:
    return Side.HIGH if category is Category.PROMOTER else Side.LOW


def side_of_key(key: str) -> Side | None:
    """The side a stored reason key belongs to; None for a key ratebot never offered."""
    if key in DEFAULT_SIDE:
        return DEFAULT_SIDE[key]
    side, colon, label = key.partition(":")
    if colon and label and side in (Side.LOW.value, Side.HIGH.value):
        return Side(side)
    return None


def custom_label(key: str) -> str | None:
    """A team's own label as typed; None for a default reason (its words are catalogued)."""
    return None if key in DEFAULT_SIDE else key.partition(":")[2] or None


def offered(setting: str | None, category: Category) -> tuple[str, ...]:
    """The reason keys a rating of `category` is offered under the team's setting."""
    if setting == OFF:
        return ()
    side = side_of(category)
    if setting is None:
        return DEFAULTS[side]
    return tuple(f"{side.value}:{label}" for label in custom_sides(setting)[side])


def in_prompt_order(keys: tuple[str, ...], prompt_id: int) -> tuple[str, ...]:
    """`keys` shuffled against position bias, the same way every time for one prompt, so a
    message redrawn after each tap keeps its buttons where they were.

    The prompt's id, well mixed, picks one of the orders: every order equally likely
    across prompts, and no random generator to seed on each redraw of a click.
    """
    orders = _orders(len(keys))
    return tuple(keys[index] for index in orders[_mixed(prompt_id) % len(orders)])


@cache
def _orders(count: int) -> tuple[tuple[int, ...], ...]:
    return tuple(itertools.permutations(range(count)))


_MASK = (1 << 64) - 1


def _mixed(number: int) -> int:
    """SplitMix64's finaliser: neighbouring ids land far apart."""
    mixed = (number + 0x9E3779B97F4A7C15) & _MASK
    mixed = ((mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    mixed = ((mixed ^ (mixed >> 27)) * 0x94D049BB133111EB) & _MASK
    return mixed ^ (mixed >> 31)


def changes_side(was: Category, now: Category) -> bool:
    """Whether a new score asks the other side's reasons: then the chosen ones no longer
    belong to it and go."""
    return side_of(was) is not side_of(now)


# --------------------------------------------------------------------------- the setting


def parse_setting(typed: str) -> str | None:
    """The `reasons` team option: 'off', 'default' (None), or a team's own labels.

    Raise ValueError saying what is allowed; a custom setting comes back in one canonical
    spelling (`low: A; B | high: C; D`), a side left out meaning no reasons on that side.
    """
    cleaned = " ".join(typed.split())
    if cleaned.lower() in (OFF, "default"):
        return None if cleaned.lower() == "default" else OFF
    sides: dict[Side, list[str]] = {}
    for part in cleaned.split("|"):
        name, colon, labels = part.partition(":")
        side = name.strip().lower()
        if not colon or side not in (Side.LOW.value, Side.HIGH.value) or Side(side) in sides:
            raise ValueError(f"use off, default, or your own labels like '{CUSTOM_SYNTAX}'")
        sides[Side(side)] = _labels(labels)
    return canonical({side: tuple(labels) for side, labels in sides.items()})


def _labels(typed: str) -> list[str]:
    labels = [label.strip() for label in typed.split(";")]
    if not labels or any(not label for label in labels):
        raise ValueError("a label is empty: separate labels with ';'")
    if len(labels) > MAX_LABELS:
        raise ValueError(f"give at most {MAX_LABELS} labels a side")
    long = next((label for label in labels if len(label) > MAX_LABEL), None)
    if long is not None:
        raise ValueError(f"a label can have at most {MAX_LABEL} characters")
    if len({label.casefold() for label in labels}) < len(labels):
        raise ValueError("a label is given twice")
    return labels


def canonical(sides: dict[Side, tuple[str, ...]]) -> str:
    return " | ".join(f"{side.value}: {'; '.join(sides[side])}" for side in Side if side in sides)


def custom_sides(setting: str) -> dict[Side, tuple[str, ...]]:
    """A stored custom setting, side by side (a side left out has no labels)."""
    sides: dict[Side, tuple[str, ...]] = {Side.LOW: (), Side.HIGH: ()}
    for part in setting.split(" | "):
        name, _, labels = part.partition(": ")
        if name in (Side.LOW.value, Side.HIGH.value):
            sides[Side(name)] = tuple(label for label in labels.split("; ") if label)
    return sides


def describe(setting: str | None) -> str:
    """The setting as the team listing shows it."""
    return "default" if setting is None else setting


@dataclass(frozen=True, slots=True)
class LostTimeTally:
    """The lost-time answers of one week: how many, and the hours they add up to."""

    answers: int = 0
    hours: float = 0.0


def tally_lost_time(counts: dict[LostTime, int]) -> LostTimeTally:
    return LostTimeTally(answers=sum(counts.values()),
                         hours=sum(bucket.hours * n for bucket, n in counts.items()))


def on_off(typed: str) -> bool:
    """The `lost-time` team option."""
    cleaned = typed.strip().lower()
    if cleaned not in ("on", "off"):
        raise ValueError("use one of on, off")
    return cleaned == "on"


NO_ANSWERS = AfterScore()  # nothing answered after the score (yet)
