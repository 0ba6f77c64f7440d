"""A digest laid out for people: grouped facts each platform shows its own way, and the
plain text with light markdown the command line and command replies print.

Nothing is escaped here. Every string a person typed (team and agent names, comments,
authors) passes through `escape`, which each platform's renderer supplies (Slack's `&<>`,
Teams' markdown). A platform's delivery error never reaches a person as its code: it is
said in the catalogue's words (`failure_text`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.digest import BASELINE_WEEKS, Digest
from bot.domain.digest_failures import failure_text
from bot.domain.scales import Scale
from bot.domain.scores import ScoreSummary
from bot.domain.tallies import DigestComment
from bot.domain.trend import Change, Direction

Escape = Callable[[str], str]

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


def _plain(text: str) -> str:
    return text


@dataclass(frozen=True, slots=True)
class Fact:
    label: str  # the catalogue's words ("Responses")
    value: str  # made safe by the renderer's `escape` where a person typed it


@dataclass(frozen=True, slots=True)
class DigestLayout:
    """A digest as people read it: a headline, grouped facts, then comments and agents.

    Each platform lays these out its own way (Block Kit fields, an Adaptive Card FactSet,
    lines of text); the words are decided here once.
    """

    title: str  # plain words, no markup; the team's name escaped
    late: str | None
    headline: str  # "NPS +40 ± 50", or "No ratings this week."
    respondents: int | None  # None without ratings
    change: str | None  # "up 7 points compared with the previous 4 weeks (+33 ± 20)"
    facts: tuple[Fact, ...]
    comments: tuple[str, ...]  # one line each, escaped, without the quote mark
    agents_heading: str | None
    agents: tuple[Fact, ...]


def layout(digest: Digest, *, escape: Escape = _plain, late: bool = False) -> DigestLayout:
    """The digest's parts, each in the words every rendering shares."""
    late_note = "Posted late: the bot was offline at the scheduled time." if late else None
    asking = tuple(_asking_facts(digest))
    if digest.is_empty:
        return DigestLayout(plain_title(digest, escape), late_note, "No ratings this week.",
                            None, None, asking, (), None, ())
    score = digest.score
    facts = (Fact("Ratings", categories_line(score)), _trend_fact(digest), *asking,
             Fact("Follow-ups", follow_up_line(digest).removeprefix("Follow-ups: ")))
    heading = None
    if digest.agents:
        heading = f"Per agent (at least {digest.min_respondents} respondents)"
    return DigestLayout(
        title=plain_title(digest, escape), late=late_note,
        headline=f"{scale_label(digest.scale)} {score.text}",
        respondents=score.n, change=change_text(digest.change, digest.scale),
        facts=facts,
        comments=tuple(comment_line(c, digest.scale, escape)[2:] for c in digest.comments),
        agents_heading=heading,
        agents=tuple(Fact(escape(line.agent), f"{line.score.text} (n={line.score.n})")
                     for line in digest.agents),
    )


def render_digest(digest: Digest, *, escape: Escape = _plain, late: bool = False) -> str:
    """The whole digest as text: the headline, a blank line, a fact a line, then comments."""
    parts = layout(digest, escape=escape, late=late)
    lines = [f"*{parts.title}*"]
    if parts.late:
        lines.append(f"_{parts.late}_")
    lines.append(parts.headline if parts.respondents is None else
                 f"{parts.headline} (n={parts.respondents}) · {parts.change}")
    lines.append("")
    lines.extend(f"{fact.label}: {fact.value}" for fact in parts.facts)
    if parts.comments:
        lines += ["", "*Comments*", *(f"> {line}" for line in parts.comments)]
    if parts.agents_heading:
        lines += ["", f"*{parts.agents_heading}*"]
        lines.extend(f"• {fact.label}: {fact.value}" for fact in parts.agents)
    return "\n".join(lines).rstrip("\n")


def title(digest: Digest, escape: Escape = _plain) -> str:
    """The title in bold, as a message's first line or its notification."""
    return f"*{plain_title(digest, escape)}*"


def plain_title(digest: Digest, escape: Escape = _plain) -> str:
    first, last = digest.first_day, digest.last_day
    end = f"{last.day} {last:%b %Y}"
    if first.year != last.year:
        span = f"{first.day} {first:%b %Y}–{end}"
    elif first.month != last.month:
        span = f"{first.day} {first:%b}–{end}"
    else:
        span = f"{first.day}–{end}"
    return f"{escape(digest.team_display_name)}: weekly ratings, {digest.week} ({span})"


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
        return f"steady compared with {versus} ({baseline})"
    return f"{change.direction.value} {delta_text(change.delta, scale)} compared with {versus} " \
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
    fact = _trend_fact(digest)
    return f"{fact.label}: {fact.value}"


def _trend_fact(digest: Digest) -> Fact:
    """The sparkline with the range it spans: its bars are relative to the team's own weeks,
    over the same weeks as the chart."""
    values = [point.score.value for point in digest.trend if point.score.value is not None]
    span = ""
    if len(values) > 1:
        low, high = min(values), max(values)
        span = f" ({value_text(digest.scale, low)} to {value_text(digest.scale, high)})"
    weeks = len(digest.trend)
    return Fact(f"Trend, {weeks} week{'s' if weeks != 1 else ''}", f"{digest.sparkline}{span}")


def value_text(scale: Scale, value: float) -> str:
    """A score without its margin, as `ScoreSummary.text` writes it."""
    if scale is Scale.CES:
        return f"{value:.1f}"
    points = math.floor(abs(value) + 0.5) * (1 if value >= 0 else -1)
    if scale is Scale.NPS:
        return f"+{points}" if points > 0 else str(points)
    return f"{points}%"


def _asking_facts(digest: Digest) -> list[Fact]:
    rate, sent = digest.response_rate, digest.prompts.sent
    asked = "no prompts sent" if rate is None else \
        f"{sent} prompt{'s' if sent != 1 else ''} sent, {int(rate * 100 + 0.5)}% answered"
    facts = [Fact("Responses", f"{digest.responses} · {asked}")]
    if digest.not_asked:
        counts = ", ".join(f"{n} {reason_text(r)}" for r, n in digest.not_asked)
        facts.append(Fact("Not asked", counts))
    if digest.failures:
        said: dict[str, int] = {}  # two codes can mean the same thing to the team
        for reason, n in digest.failures:
            words = failure_text(reason)
            said[words] = said.get(words, 0) + n
        total = sum(said.values())
        reasons = "; ".join(f"{n}× {words}" for words, n in said.items())
        facts.append(Fact("Delivery failed", f"{total} ({reasons})"))
    return facts


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
