"""A digest as plain text with light markdown: the CLI's output and the base of chat renderings.

Nothing is escaped here. Every string a person typed (team and agent names, comments,
authors) and every platform-supplied reason passes through `escape`, which each
platform's renderer supplies (Slack's `&<>`, Teams' markdown).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from bot.domain.digest import BASELINE_WEEKS, TREND_WEEKS, Digest
from bot.domain.scales import Scale
from bot.domain.scores import ScoreSummary
from bot.domain.tallies import DigestComment
from bot.domain.trend import Change, Direction

Escape = Callable[[str], str]

# A platform's error code: lowercase words joined by underscores ("channel_not_found").
_CODE = re.compile(r"[a-z]+(?:_[a-z]+)+\b")

REASONS = {
    "cooldown": "throttled",
    "opted_out": "opted out",
    "excluded": "excluded",
    "is_agent": "IT staff",
    "own_agent": "asked about themselves",
    "not_sampled": "not sampled",
    "reopened": "ticket reopened",
    "forgotten": "forgotten on request",
}


def reason_text(reason: str) -> str:
    """Why someone was not asked, in the words every report uses ("throttled", not "cooldown")."""
    return REASONS.get(reason, reason.replace("_", " "))


def failure_text(reason: str) -> str:
    """A delivery failure as a person reads it: a platform's error code in words.

    "slack: channel_not_found" reads "Slack: channel not found"; reasons already in
    words ("the Slack account is deactivated") stay as they are.
    """
    platform, colon, code = reason.partition(": ")
    if not colon:
        platform, code = "", reason
    words = code.replace("_", " ") if _CODE.match(code) else code
    return f"{platform[:1].upper()}{platform[1:]}: {words}" if platform else words


def _plain(text: str) -> str:
    return text


def render_digest(digest: Digest, *, escape: Escape = _plain, late: bool = False) -> str:
    """The whole digest, one block per line group."""
    lines = [title(digest, escape)]
    if late:
        lines.append("_Posted late: the bot was offline at the scheduled time._")
    if digest.is_empty:
        lines.append("No ratings this week.")
        lines.extend(_asking_lines(digest, escape))
        return "\n".join(lines)
    lines.append(score_line(digest))
    lines.append(categories_line(digest.score))
    lines.append(trend_line(digest))
    lines.extend(_asking_lines(digest, escape))
    lines.append(follow_up_line(digest))
    if digest.comments:
        lines.append("")
        lines.append("*Comments*")
        lines.extend(comment_line(comment, digest.scale, escape) for comment in digest.comments)
    if digest.agents:
        lines.append("")
        lines.append(f"*Per agent* (at least {digest.min_respondents} respondents)")
        lines.extend(
            f"• {escape(line.agent)}: {line.score.text} (n={line.score.n})"
            for line in digest.agents
        )
    return "\n".join(lines)


def title(digest: Digest, escape: Escape = _plain) -> str:
    first, last = digest.first_day, digest.last_day
    end = f"{last.day} {last:%b %Y}"
    if first.year != last.year:
        span = f"{first.day} {first:%b %Y}–{end}"
    elif first.month != last.month:
        span = f"{first.day} {first:%b}–{end}"
    else:
        span = f"{first.day}–{end}"
    return f"*{escape(digest.team_display_name)}: weekly ratings, {digest.week} ({span})*"


def score_line(digest: Digest) -> str:
    return f"{scale_label(digest.scale)} {digest.score.text} (n={digest.score.n}) · " \
        + change_text(digest.change, digest.scale)


def scale_label(scale: Scale) -> str:
    return {Scale.NPS: "NPS", Scale.CSAT: "CSAT", Scale.CES: "CES",
            Scale.THUMBS: "Thumbs up"}[scale]


def change_text(change: Change, scale: Scale) -> str:
    versus = f"the previous {BASELINE_WEEKS} weeks"
    if change.direction is None or change.delta is None:
        return f"no ratings in {versus} to compare with"
    baseline = change.baseline.text
    if change.direction is Direction.STEADY:
        return f"steady against {versus} ({baseline})"
    return f"{change.direction.value} {delta_text(change.delta, scale)} against {versus} " \
        f"({baseline})"


def delta_text(delta: float, scale: Scale) -> str:
    if scale is Scale.CES:
        return f"{abs(delta):.1f}"
    points = abs(delta)
    rounded = int(points + 0.5)
    return f"{rounded} point{'s' if rounded != 1 else ''}"


def categories_line(score: ScoreSummary) -> str:
    parts = [f"{count} {name}" for name, count in score.category_counts()]
    text = " · ".join(parts)
    return text[0].upper() + text[1:]


def trend_line(digest: Digest) -> str:
    """The sparkline with the range it spans: its bars are relative to the team's own weeks."""
    values = [point.score.value for point in digest.trend if point.score.value is not None]
    span = ""
    if len(values) > 1:
        low, high = min(values), max(values)
        span = f" ({value_text(digest.scale, low)} to {value_text(digest.scale, high)})"
    return f"Trend, {TREND_WEEKS} weeks: {digest.sparkline}{span}"


def value_text(scale: Scale, value: float) -> str:
    """A score without its margin, as `ScoreSummary.text` writes it."""
    if scale is Scale.CES:
        return f"{value:.1f}"
    points = math.floor(abs(value) + 0.5) * (1 if value >= 0 else -1)
    if scale is Scale.NPS:
        return f"+{points}" if points > 0 else str(points)
    return f"{points}%"


def _asking_lines(digest: Digest, escape: Escape) -> list[str]:
    rate = digest.response_rate
    rate_text = "—" if rate is None else f"{int(rate * 100 + 0.5)}%"
    lines = [
        f"Responses {digest.responses} · prompts sent {digest.prompts.sent} · "
        f"response rate {rate_text}"
    ]
    if digest.not_asked:
        counts = ", ".join(f"{n} {reason_text(r)}" for r, n in digest.not_asked)
        lines.append(f"Not asked: {counts}")
    if digest.failures:
        total = sum(n for _, n in digest.failures)
        reasons = "; ".join(f"{n}× {escape(failure_text(r))}" for r, n in digest.failures)
        lines.append(f"Delivery failed: {total} ({reasons})")
    return lines


def follow_up_line(digest: Digest) -> str:
    counts = digest.follow_ups
    text = f"Follow-ups: {counts.opened} opened, {counts.claimed} claimed, " \
        f"{counts.resolved} resolved"
    share = digest.closed_loop_share
    if share is not None:
        text += f" · loop closed for {int(share * 100 + 0.5)}% of {digest.scale.low_ratings}"
    return text


def comment_line(comment: DigestComment, scale: Scale, escape: Escape = _plain) -> str:
    kind = scale.category_name(comment.category)
    who = f" — {escape(comment.author)}" if comment.author else ""
    # One line: a line break inside a comment would end the quote early.
    body = escape(" ".join(comment.text.split()))
    return f"> {body} ({comment.score}, {kind}){who}"
