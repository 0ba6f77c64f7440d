"""Answers to prompts, the ratings they record, and the follow-ups detractors open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.identity import PersonIdentity
from bot.domain.messages import DetractorAlert, RatingPrompt
from bot.domain.model import FollowUpStatus, Person, Prompt, Rating, Team
from bot.domain.reasons import NO_ANSWERS, AfterScore
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


@dataclass(frozen=True, slots=True)
class AnswerFacts:
    """What the store knows around a prompt, read in the click's transaction.

    Enough to check the answer, record it, redraw the message and draft the alert,
    without a second read. The core decides which rating the click is about.
    """

    prompt: Prompt
    team: Team  # with its channels
    recipient: Person | None  # None once the person was forgotten
    clicker: Person | None  # the stored person matching the click's identity, if any
    agent: Person | None  # who handled the ticket, when known
    subject: str | None
    ticket_id: str | None
    rating: Rating | None  # the rating stored with the prompt (anonymous ones never are)
    # The rating the click's receipt finds, looked up only when the prompt has none.
    receipt_rating: Rating | None = None


@dataclass(frozen=True, slots=True)
class NewRating:
    """A first rating, exactly as it is stored (links and stamps already decided)."""

    team_id: int
    prompt_id: int | None
    person_id: int | None
    agent_id: int | None
    scale: Scale
    score: int
    category: Category
    receipt: str  # only its hash is stored
    rated_at: datetime
    updated_at: datetime
    # Anonymous ratings: a random id (bot.domain.anonymity), held for the nightly batch.
    id: int | None = None


@dataclass(frozen=True, slots=True)
class RatingChange:
    """Values to change in a stored rating; None leaves a value as it is."""

    score: int | None = None
    category: Category | None = None
    comment: str | None = None
    receipt: str | None = None  # a new receipt, of which only the hash is stored
    updated_at: datetime | None = None

    def __bool__(self) -> bool:
        return any(
            value is not None
            for value in (self.score, self.category, self.comment, self.receipt, self.updated_at)
        )


@dataclass(frozen=True, slots=True)
class NewAlert:
    """A detractor alert to post, drafted in the transaction that opened its follow-up."""

    alert: DetractorAlert
    team: Team  # read with the answer: its alert channels say where the alert goes


@dataclass(frozen=True, slots=True)
class RatingResult:
    rating: Rating
    category: Category
    created: bool  # False when an earlier rating of this prompt was changed
    changed: bool  # False when nothing changed (a replayed click)
    receipt: str  # the token that finds this rating again (comment, re-click)
    follow_up_id: int | None  # set when this answer opened a follow-up (a new detractor)
    # True when this answer made the rating a promoter's (first click, or changed to one):
    # the moment a coached agent hears of it, once per rise, never for 9 -> 10.
    became_promoter: bool = False
    # The message's content as read in the same transaction, to redraw it without a
    # second read; None once the person was forgotten.
    prompt: RatingPrompt | None = None
    # The alert to post when this answer opened a follow-up (see `alerts.alert_detractor`).
    alert: NewAlert | None = None
    pulse: bool = False  # a pulse's answer, stored apart from ratings (bot.flows.pulse)
    after: AfterScore = NO_ANSWERS  # the answers after the score, kept through a change


@dataclass(frozen=True, slots=True)
class PostedAlert:
    """A detractor alert already in a channel, rendered anew to replace it in place."""

    alert: DetractorAlert
    platform: str
    ref: str


@dataclass(frozen=True, slots=True)
class CommentResult:
    """A comment recorded, with what it changes on screen, read in the same transaction."""

    rating: Rating
    prompt: RatingPrompt | None  # the message to redraw; None once the person was forgotten
    alert: PostedAlert | None  # the rating's posted alert, which now shows the comment
    after: AfterScore = NO_ANSWERS  # the answers after the score, shown with it


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
class AlertFacts:
    """What the store knows around a follow-up, for the core to render its alert."""

    follow_up: FollowUp
    team: Team
    rating: Rating
    agent: Person | None
    requester: Person | None  # None for anonymous ratings and forgotten people
    subject: str | None
    ticket_id: str | None
    claimer: Person | None = None
    resolver: Person | None = None


@dataclass(frozen=True, slots=True)
class RatedItem:
    """One of a person's own ratings, for their App Home."""

    team_display_name: str
    scale: Scale
    score: int
    rated_at: datetime
    has_comment: bool
