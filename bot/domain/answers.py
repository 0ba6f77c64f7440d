"""Answers to prompts, the ratings they record, and the follow-ups detractors open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.identity import PersonIdentity
from bot.domain.messages import RatingPrompt
from bot.domain.model import FollowUpStatus, Person, Prompt, Rating, Team
from bot.domain.scales import Category, Scale


@dataclass(frozen=True, slots=True)
class Answer:
    prompt_id: int
    person: PersonIdentity  # who clicked, as the platform knows them
    score: int
    at: datetime
    receipt: str | None = None  # from the message, when a rating was already recorded
    new_receipt: str = ""  # the token to store for a first rating (the core makes it)


@dataclass(frozen=True, slots=True)
class AnswerContext:
    """A prompt about to be answered, loaded inside the answering transaction."""

    prompt: Prompt
    team: Team
    recipient: Person | None
    clicker: Person | None  # the stored person matching `Answer.person`, if any
    existing: Rating | None



AnswerCheck = Callable[[AnswerContext, Answer], None]  # raises a UserFacingError to refuse


@dataclass(frozen=True, slots=True)
class RatingResult:
    rating: Rating
    category: Category
    created: bool  # False when an earlier rating of this prompt was changed
    changed: bool  # False when nothing changed (a replayed click)
    receipt: str  # the token that finds this rating again (comment, re-click)
    follow_up_id: int | None  # set when this answer opened a follow-up (a new detractor)
    # The message's content as read in the same transaction, to redraw it without a
    # second read; None once the person was forgotten.
    prompt: RatingPrompt | None = None


@dataclass(frozen=True, slots=True)
class FollowUp:
    id: int
    rating_id: int
    team_id: int
    status: FollowUpStatus
    created_at: datetime
    claimed_by: int | None = None
    claimed_at: datetime | None = None
    resolved_by: int | None = None
    resolved_at: datetime | None = None
    note: str | None = None
    alert_platform: str | None = None
    alert_ref: str | None = None


@dataclass(frozen=True, slots=True)
class RatedItem:
    """One of a person's own ratings, for their App Home."""

    team_display_name: str
    scale: Scale
    score: int
    rated_at: datetime
    has_comment: bool
