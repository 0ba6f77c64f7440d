"""What the core asks a chat platform to show: prompts, their updates, channel messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.digest import Digest
from bot.domain.model import Anonymity, Person
from bot.domain.reasons import NO_ANSWERS, AfterScore
from bot.domain.scales import Scale


@dataclass(frozen=True, slots=True)
class RatingPrompt:
    """Everything an adapter needs to render the question for one person."""

    prompt_id: int
    recipient: Person
    team_name: str
    team_display_name: str
    question: str
    scale: Scale
    anonymity: Anonymity
    expires_at: datetime
    agent_name: str | None = None
    subject: str | None = None
    ticket_id: str | None = None
    # The agent, when the team coaches its agents privately (never in anonymous teams);
    # for the core only: adapters never show it.
    coach: Person | None = None
    # A relationship pulse's question (bot.flows.pulse): no ticket, no agent, its own intro.
    pulse: bool = False
    # The team's questions after the score: its reasons setting, and the lost-time question.
    reasons: str | None = "off"
    lost_time: bool = False


@dataclass(frozen=True, slots=True)
class PromptUpdate:
    """The state of a sent prompt, for re-rendering the message in place."""

    prompt: RatingPrompt
    score: int | None = None
    comment: str | None = None
    receipt: str | None = None  # carried in the message so the rating can be found again
    notice: str | None = None  # e.g. "This request was withdrawn because the ticket reopened."
    after: AfterScore = NO_ANSWERS  # the reasons and lost time answered after the score


@dataclass(frozen=True, slots=True)
class DetractorAlert:
    """A detractor's rating, for the team's alert channel (principle 6)."""

    follow_up_id: int
    team_name: str
    team_display_name: str
    scale: Scale
    score: int
    comment: str | None
    agent_name: str | None  # None when unknown or the team hides names
    requester_name: str | None  # None unless the team is `identified`
    subject: str | None
    ticket_id: str | None
    claimed_by: str | None = None
    resolved_by: str | None = None
    resolution_note: str | None = None
    locale: str | None = None  # the team's language; None: the platform's default


@dataclass(frozen=True, slots=True)
class TextMessage:
    text: str


@dataclass(frozen=True, slots=True)
class DigestMessage:
    """A team's weekly digest for its digest channel; the adapter renders `digest`.

    `bot.domain.digest_text.render_digest(digest, escape=...)` is the base rendering; the
    adapter passes its own escape for everything a person typed.
    """

    digest: Digest
    chart_png: bytes | None = None  # None without the `charts` extra: the text alone
    late: bool = False  # posted after its scheduled time (the bot was down then)



ChannelMessage = DetractorAlert | TextMessage | DigestMessage
