"""A digest laid out for people: grouped facts each platform shows its own way, and the
plain text with light markdown the command line and command replies print.

Nothing is escaped here. Every string a person typed (team and agent names, comments,
authors) passes through `escape`, which each platform's renderer supplies (Slack's `&<>`,
Teams' markdown). A platform's delivery error never reaches a person as its code: it is
said in the catalogue's words (`failure_text`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.digest import BASELINE_WEEKS, Digest
from bot.domain.digest_after_score import after_score_lines
from bot.domain.digest_failures import failure_text
from bot.domain.digest_pulse import pulse_lines
from bot.domain.model import Anonymity
from bot.domain.scales import Category, Scale
from bot.domain.scores import ScoreSummary
from bot.domain.tallies import DigestComment
from bot.domain.texts import text
from bot.domain.trend import Change, Direction

Escape = Callable[[str], str]

# The stored reasons someone was not asked; their words are the catalogue's `skip.*`.
REASONS = ("cooldown", "opted_out", "excluded", "is_agent", "own_agent", "not_sampled",
           "reopened", "forgotten")


def reason_text(reason: str, locale: str = "en") -> str:
    """Why someone was not asked, in the words every report uses ("throttled", not "cooldown")."""
    if reason in REASONS:
        return text(f"skip.{reason}", locale)
    return reason.replace("_", " ")


def _plain(value: str) -> str:
    return value


def number(value: str, locale: str) -> str:
    """A figure the core wrote ("4.2 ± 0.3", "+80 (+19 to +96)") as Dutch writes it:
    decimal commas, and an interval's ends joined by "tot"."""
    if locale != "nl":
        return value
    return re.sub(r"(?<=\d)\.(?=\d)", ",", value).replace(" to ", " tot ")


def _counted(key: str, count: int, locale: str, **values: object) -> str:
    """`key.one` or `key.many`, agreeing with `count`."""
    return text(f"{key}.{'one' if count == 1 else 'many'}", locale, **values)


@dataclass(frozen=True, slots=True)
class Fact:
    label: str  # the catalogue's words ("Responses")
    value: str  # made safe by the renderer's `escape` where a person typed it


@dataclass(frozen=True, slots=True)
class DigestLayout:
    """A digest as people read it: a headline, grouped facts, then comments and agents.

    Each platform lays these out its own way (Block Kit fields, an Adaptive Card FactSet,
    lines of text); the words are decided here once, in the team's language.
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
    comments_heading: str = "Comments"


def layout(digest: Digest, *, escape: Escape = _plain, late: bool = False) -> DigestLayout:
    """The digest's parts, each in the words every rendering shares, in `digest.locale`."""
    locale = digest.locale
    late_note = text("digest.late", locale) if late else None
    asking = tuple(_asking_facts(digest))
    comments_heading = text("digest.comments", locale)
    if digest.is_empty:
        return DigestLayout(plain_title(digest, escape), late_note, text("digest.empty", locale),
                            None, None, asking + _pulse(digest, escape), (), None, (),
                            comments_heading)
    score = digest.score
    facts = (Fact(text("digest.ratings", locale), categories_line(score, locale)),
             _trend_fact(digest), *_pulse(digest, escape), *asking,
             Fact(text("digest.follow_ups", locale), _follow_up_counts(digest)),
             *(Fact(label, value) for label, value in after_score_lines(digest, escape)))
    heading = None
    if digest.agents:
        heading = text("digest.agents", locale, n=digest.min_respondents)
    return DigestLayout(
        title=plain_title(digest, escape), late=late_note,
        headline=f"{scale_label(digest.scale, locale)} {number(score.text, locale)}",
        respondents=score.n, change=change_text(digest.change, digest.scale, locale),
        facts=facts,
        comments=tuple(comment_line(c, digest.scale, escape, locale)[2:]
                       for c in digest.comments),
        agents_heading=heading,
        agents=tuple(Fact(escape(line.agent),
                          f"{number(line.score.text, locale)} (n={line.score.n})")
                     for line in digest.agents),
        comments_heading=comments_heading,
    )


def _pulse(digest: Digest, escape: Escape) -> tuple[Fact, ...]:
    return tuple(Fact(label, value) for label, value in pulse_lines(digest, escape))


def render_digest(
    digest: Digest, *, escape: Escape = _plain, late: bool = False, plain: bool = False
) -> str:
    """The whole digest as text: the headline, a blank line, a fact a line, then comments.

    With light markdown for chat replies; `plain` for a terminal, which shows markup as
    the characters it is made of: no bold, no quote marks, nothing a chat would render.
    """
    if plain:
        escape = terminal_text
    parts = layout(digest, escape=escape, late=late)
    bold, quote = ((lambda words: words), "  ") if plain else ((lambda words: f"*{words}*"), "> ")
    lines = [bold(parts.title)]
    if parts.late:
        lines.append(parts.late if plain else f"_{parts.late}_")
    lines.append(parts.headline if parts.respondents is None else
                 f"{parts.headline} (n={parts.respondents}) · {parts.change}")
    lines.append("")
    lines.extend(f"{fact.label}: {fact.value}" for fact in parts.facts)
    if parts.comments:
        lines += ["", bold(parts.comments_heading), *(quote + line for line in parts.comments)]
    if parts.agents_heading:
        lines += ["", bold(parts.agents_heading)]
        lines.extend(f"• {fact.label}: {fact.value}" for fact in parts.agents)
    return "\n".join(lines).rstrip("\n")


_MENTION = re.compile(r"<([@#!])([^|>]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")


def terminal_text(value: str) -> str:
    """What a person typed, as a terminal shows it: Slack's mentions and links in words
    ("@U123", "#it-help", "label (url)") and its `&amp;` escapes undone."""
    value = _LINK.sub(lambda m: f"{m[2]} ({m[1]})" if m[2] else m[1], value)
    value = _MENTION.sub(lambda m: f"{m[1] if m[1] != '!' else '@'}{m[3] or m[2]}", value)
    return value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def title(digest: Digest, escape: Escape = _plain) -> str:
    """The title in bold, as a message's first line or its notification."""
    return f"*{plain_title(digest, escape)}*"


def plain_title(digest: Digest, escape: Escape = _plain) -> str:
    locale = digest.locale
    months = text("digest.months", locale).split()
    first, last = digest.first_day, digest.last_day
    end = f"{last.day} {months[last.month - 1]} {last.year}"
    if first.year != last.year:
        span = f"{first.day} {months[first.month - 1]} {first.year}–{end}"
    elif first.month != last.month:
        span = f"{first.day} {months[first.month - 1]}–{end}"
    else:
        span = f"{first.day}–{end}"
    return text("digest.title", locale, team=escape(digest.team_display_name),
                week=digest.week, span=span)


def scale_label(scale: Scale, locale: str = "en") -> str:
    return text(f"scale.{scale.value}", locale)


def change_text(change: Change, scale: Scale, locale: str = "en") -> str:
    if change.direction is None or change.delta is None:
        return text("digest.no_baseline", locale, weeks=BASELINE_WEEKS)
    baseline = number(change.baseline.text, locale)
    if change.direction is Direction.STEADY:
        return text("digest.steady", locale, weeks=BASELINE_WEEKS, baseline=baseline)
    return text(f"digest.{change.direction.value}", locale,
                delta=delta_text(change.delta, scale, locale), weeks=BASELINE_WEEKS,
                baseline=baseline)


def delta_text(delta: float, scale: Scale, locale: str = "en") -> str:
    if scale is Scale.CES:
        return number(f"{abs(delta):.1f}", locale)
    rounded = int(abs(delta) + 0.5)
    return _counted("digest.points", rounded, locale, n=rounded)


def category_name(scale: Scale, category: Category, locale: str, *, plural: bool) -> str:
    """A category in the scale's words, in `locale` ("critici" for NPS detractors)."""
    return text(f"category.{scale.value}.{category.value}{'s' if plural else ''}", locale)


def categories_line(score: ScoreSummary, locale: str = "en") -> str:
    counts = [(Category.PROMOTER, score.promoters), (Category.PASSIVE, score.passives),
              (Category.DETRACTOR, score.detractors)]
    parts = [f"{count} {category_name(score.scale, category, locale, plural=count != 1)}"
             for category, count in counts
             if not (score.scale is Scale.THUMBS and category is Category.PASSIVE)]
    line = " · ".join(parts)
    return line[0].upper() + line[1:]


def _trend_fact(digest: Digest) -> Fact:
    """The sparkline with the range it spans: its bars are relative to the team's own weeks,
    over the same weeks as the chart."""
    locale = digest.locale
    values = [point.score.value for point in digest.trend if point.score.value is not None]
    span = ""
    if len(values) > 1:
        low, high = min(values), max(values)
        span = text("digest.trend_span", locale, low=value_text(digest.scale, low, locale),
                    high=value_text(digest.scale, high, locale))
    weeks = len(digest.trend)
    return Fact(_counted("digest.trend", weeks, locale, weeks=weeks), f"{digest.sparkline}{span}")


def value_text(scale: Scale, value: float, locale: str = "en") -> str:
    """A score without its margin, as `ScoreSummary.text` writes it."""
    if scale is Scale.CES:
        return number(f"{value:.1f}", locale)
    points = math.floor(abs(value) + 0.5) * (1 if value >= 0 else -1)
    if scale is Scale.NPS:
        return f"+{points}" if points > 0 else str(points)
    return f"{points}%"


def _asking_facts(digest: Digest) -> list[Fact]:
    locale = digest.locale
    rate, sent = digest.response_rate, digest.prompts.sent
    asked = text("digest.no_prompts", locale) if rate is None else \
        _counted("digest.asked", sent, locale, sent=sent, percent=int(rate * 100 + 0.5))
    facts = [Fact(text("digest.responses", locale),
                  f"{digest.responses} · {asked}{_reminded(digest)}")]
    if digest.not_asked:
        counts = ", ".join(f"{n} {reason_text(r, locale)}" for r, n in digest.not_asked)
        facts.append(Fact(text("digest.not_asked", locale), counts))
    if digest.failures:
        said: dict[str, int] = {}  # two codes can mean the same thing to the team
        for reason, n in digest.failures:
            words = failure_text(reason, locale)
            said[words] = said.get(words, 0) + n
        total = sum(said.values())
        reasons = "; ".join(f"{n}× {words}" for words, n in said.items())
        facts.append(Fact(text("digest.delivery_failed", locale), f"{total} ({reasons})"))
    return facts


def _reminded(digest: Digest) -> str:
    """" · 5 reminded, 2 answered after it". Not in anonymous teams: their prompts keep no
    answer, and an answered one is marked reminded too (`bot.flows.reminding`)."""
    reminded, locale = digest.prompts.reminded, digest.locale
    if not reminded or digest.anonymity is Anonymity.ANONYMOUS:
        return ""
    return text("digest.reminded_answered", locale, reminded=reminded,
                answered=digest.prompts.answered_after_reminder)


def _follow_up_counts(digest: Digest) -> str:
    locale, counts = digest.locale, digest.follow_ups
    said = text("digest.follow_up_counts", locale, opened=counts.opened,
                claimed=counts.claimed, resolved=counts.resolved)
    share = digest.closed_loop_share
    if share is not None:
        said += text("digest.loop_closed", locale, percent=int(share * 100 + 0.5),
                     low=text(f"low.{digest.scale.value}", locale))
    if counts.median_to_resolve is not None:
        said += text("digest.median_to_resolve", locale,
                     time=duration_text(counts.median_to_resolve, locale))
    return said


def duration_text(took: timedelta, locale: str) -> str:
    """Minutes under an hour, hours under two days, days beyond (one decimal at most)."""
    hours = took.total_seconds() / 3600
    if hours < 1:
        return text("digest.minutes", locale, n=max(1, round(hours * 60)))
    key, value = ("digest.hours", hours) if hours < 48 else ("digest.days", hours / 24)
    return text(key, locale, n=number(f"{value:.1f}".removesuffix(".0"), locale))


def follow_up_line(digest: Digest) -> str:
    return f"{text('digest.follow_ups', digest.locale)}: {_follow_up_counts(digest)}"


def comment_line(
    comment: DigestComment, scale: Scale, escape: Escape = _plain, locale: str = "en"
) -> str:
    kind = category_name(scale, comment.category, locale, plural=False)
    who = f" — {escape(comment.author)}" if comment.author else ""
    # One line: a line break inside a comment would end the quote early.
    body = escape(" ".join(comment.text.split()))
    return f"> {body} ({comment.score}, {kind}){who}"
