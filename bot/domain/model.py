"""The domain's nouns: teams, people, conversations, prompts and ratings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.scales import Scale


class Anonymity(StrEnum):
    """How much of the person behind a rating a team may see (DESIGN.md principle 8)."""

    IDENTIFIED = "identified"
    CONFIDENTIAL = "confidential"  # names kept, shown to admins only
    ANONYMOUS = "anonymous"  # the stored rating carries no link to the person

    @property
    def shows_names(self) -> bool:
        """Whether digests and alerts may name the person."""
        return self is Anonymity.IDENTIFIED


class PromptStatus(StrEnum):
    PENDING = "pending"  # stored, waiting for the delivery worker
    SENT = "sent"  # delivered, waiting for a click
    ANSWERED = "answered"
    EXPIRED = "expired"
    SKIPPED = "skipped"  # decided not to ask; `reason` says why
    FAILED = "failed"  # delivery failed for good; `reason` says why


class SkipReason(StrEnum):
    """Why someone was not asked. Stored verbatim so admins can see it."""

    OPTED_OUT = "opted_out"
    EXCLUDED = "excluded"
    IS_AGENT = "is_agent"
    OWN_AGENT = "own_agent"
    COOLDOWN = "cooldown"
    NOT_SAMPLED = "not_sampled"
    REOPENED = "reopened"
    FORGOTTEN = "forgotten"


class ConversationState(StrEnum):
    CLOSED = "closed"
    REOPENED = "reopened"


class FollowUpStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    name: str  # the slug used in commands: "servicedesk"
    display_name: str
    scale: Scale = Scale.NPS
    question: str | None = None  # None: the scale's default question
    anonymity: Anonymity = Anonymity.IDENTIFIED
    cooldown_days: int | None = None  # None: the global default (settings)
    expiry_days: int = 7
    sample_percent: int = 100
    send_delay_minutes: int = 0
    # Minutes after sending that an unanswered prompt is reminded of once; 0: never.
    reminder_minutes: int = 2 * 24 * 60
    timezone: str | None = None  # None: the global default (settings)
    digest_schedule: str = "mon 09:00"
    # Months kept before retention removes them (0: forever); None: the global default.
    retention_comment_months: int | None = None
    retention_identity_months: int | None = None
    retention_prompt_months: int | None = None
    locale: str | None = None  # "en" or "nl" for digests and alerts; None: the global default
    # Agents get their own ratings privately (praise; detractor feedback once followed up).
    coaching: bool = False
    # Agents rate the requests they closed, kept apart (bot.domain.request_checks).
    mutual: bool = False
    # Questions after the score (bot.domain.reasons): None the default reasons, "off", or
    # the team's own labels; and whether to ask the work time the issue cost.
    reasons: str | None = None
    lost_time: bool = False
    # (platform, purpose) -> platform reference: a Slack channel id, or a Teams
    # conversation reference as JSON. Purposes: "digest", "alert", "help".
    channels: dict[tuple[str, str], str] = field(default_factory=dict)

    def channel(self, platform: str, purpose: str) -> str | None:
        return self.channels.get((platform, purpose))


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    email: str | None
    display_name: str | None = None
    locale: str | None = None
    timezone: str | None = None
    slack_user_id: str | None = None
    teams_user_id: str | None = None
    teams_aad_object_id: str | None = None
    opted_out: bool = False
    teams_tenant_id: str | None = None  # the Microsoft 365 tenant Teams last saw them in


@dataclass(frozen=True, slots=True)
class Prompt:
    id: int
    conversation_id: int
    round: int
    team_id: int
    person_id: int | None
    status: PromptStatus
    reason: str | None
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None = None
    answered_at: datetime | None = None
    expires_at: datetime | None = None
    platform: str | None = None
    message_ref: str | None = None
    # When a send began that never reported back: it may have arrived (see delivery).
    sending_since: datetime | None = None
    pulse_id: int | None = None  # a relationship pulse's prompt (bot.flows.pulse)


@dataclass(frozen=True, slots=True)
class Rating:
    id: int
    team_id: int
    prompt_id: int | None  # None in anonymous teams
    person_id: int | None  # None in anonymous teams
    agent_id: int | None
    scale: Scale
    score: int
    comment: str | None
    rated_at: datetime  # midnight UTC of the day in anonymous teams
