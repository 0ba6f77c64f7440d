"""The digest's lines about the answers after the score: the week's top reasons, and the
work time lost, estimated from the answers and scaled to every rating of the week."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.digest import Digest
from bot.domain.reason_words import reason_label
from bot.domain.reasons import Side, side_of_key
from bot.domain.texts import text

SHOWN_PER_SIDE = 4


def after_score_lines(digest: Digest, escape: Callable[[str], str]) -> list[tuple[str, str]]:
    """(label, value) for "Top reasons" and "Work time lost", each when the week has any."""
    locale = digest.locale
    lines: list[tuple[str, str]] = []
    sides = []
    for side in Side:
        listed = [f"{reason_label(key, locale, escape)} {count}"
                  for key, count in digest.reasons if side_of_key(key) is side]
        if listed:
            sides.append(text(f"digest.reasons.{side.value}", locale,
                              reasons=", ".join(listed[:SHOWN_PER_SIDE])))
    if sides:
        lines.append((text("digest.top_reasons", locale), "; ".join(sides)))
    lost = lost_time_value(digest)
    if lost is not None:
        lines.append((text("digest.lost_time", locale), lost))
    return lines


def lost_hours(digest: Digest) -> tuple[float, float] | None:
    """(hours from the answers, hours scaled to all the week's ratings); None unanswered."""
    week = digest.lost_time[-1] if digest.lost_time else None
    if week is None or week.answers == 0:
        return None
    rated = max(digest.score.n, week.answers)
    return week.hours, week.hours / week.answers * rated


def lost_time_value(digest: Digest) -> str | None:
    hours = lost_hours(digest)
    if hours is None:
        return None
    week, locale = digest.lost_time[-1], digest.locale
    return text("digest.lost_time.one" if week.answers == 1 else "digest.lost_time.value",
                locale, hours=hours_text(hours[0], locale), answers=week.answers,
                all_hours=hours_text(hours[1], locale), n=max(digest.score.n, week.answers))


def hours_text(hours: float, locale: str) -> str:
    """Whole hours (half up) from 10 on, else one decimal where it has one (Dutch: a comma)."""
    if hours >= 10 or hours == int(hours):
        return str(int(hours + 0.5))
    shown = f"{hours:.1f}"
    return shown.replace(".", ",") if locale == "nl" else shown


def weekly_lost_hours(digest: Digest) -> list[float | None]:
    """Each week of `history`: the work hours lost, estimated over all its ratings from its
    answers; None for a week nobody answered. Empty when no week has an answer."""
    weeks: list[float | None] = []
    for point, week in zip(digest.history, digest.lost_time, strict=False):
        rated = max(point.score.n, week.answers)
        weeks.append(week.hours / week.answers * rated if week.answers else None)
    return weeks if any(hours is not None for hours in weeks) else []
