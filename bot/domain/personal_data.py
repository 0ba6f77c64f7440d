"""What ratebot stores about one person, as they may see it, and the marks that outlive them.

`PersonalData` is read by the store and written out here as the JSON file a person gets
from `my data`. `erasure_markers` are the keyed hashes under which the opt-out of someone
who erased themselves is kept: they name nobody, yet the same email or platform id gives
the same marker, so that person is never asked again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

from bot.domain.identity import PersonIdentity

ANONYMOUS_NOTE = (
    "Ratings you gave to anonymous teams are stored without any link to you, so they "
    "cannot be shown here (nor erased as yours)."
)


@dataclass(frozen=True, slots=True)
class PromptRecord:
    """One decision about asking the person: asked (and what became of it) or skipped, why."""

    team: str
    ticket: str | None  # the helpdesk or chat request it was about
    status: str
    reason: str | None
    created_at: datetime
    sent_at: datetime | None
    answered_at: datetime | None
    anonymous_team: bool  # an answer to it is not linked to the person


@dataclass(frozen=True, slots=True)
class RatingRecord:
    team: str
    scale: str
    score: int
    comment: str | None
    rated_at: datetime
    reasons: tuple[str, ...] = ()  # tapped after the score, by key
    lost_time: str | None = None  # the work time lost, as its bucket


@dataclass(frozen=True, slots=True)
class FollowUpRecord:
    """A follow-up on one of the person's ratings, or one they took on as an agent."""

    team: str
    role: str  # "about your rating" or "handled by you"
    status: str
    created_at: datetime
    resolved_at: datetime | None
    note: str | None


@dataclass(frozen=True, slots=True)
class RequestCheckRecord:
    """A request the person closed as an agent and was asked about (mutual rating). Their
    answers are kept without any link to them, so they cannot be shown here."""

    team: str
    ticket: str | None
    status: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PersonalData:
    email: str | None
    display_name: str | None
    locale: str | None
    timezone: str | None
    slack_user_id: str | None
    teams_user_id: str | None
    opted_out: bool
    opted_out_at: datetime | None
    created_at: datetime
    agent_of: list[str] = field(default_factory=list)
    admin: bool = False
    prompts: list[PromptRecord] = field(default_factory=list)
    ratings: list[RatingRecord] = field(default_factory=list)
    follow_ups: list[FollowUpRecord] = field(default_factory=list)
    # Answers to relationship pulses (bot.flows.pulse), kept apart from the ratings.
    pulse_answers: list[RatingRecord] = field(default_factory=list)
    request_checks: list[RequestCheckRecord] = field(default_factory=list)


def as_json(data: PersonalData, *, exported_at: datetime) -> bytes:
    """The file a person gets: readable, complete, times in ISO 8601 UTC."""
    body = asdict(data)
    record = {
        "exported_at": exported_at,
        "person": {key: body[key] for key in (
            "email", "display_name", "locale", "timezone", "slack_user_id", "teams_user_id",
            "created_at", "agent_of", "admin",
        )},
        "asking": {"opted_out": data.opted_out, "opted_out_at": data.opted_out_at},
        "prompts": body["prompts"],
        "ratings": body["ratings"],
        "anonymous_ratings": ANONYMOUS_NOTE,
        "follow_ups": body["follow_ups"],
        "pulse_answers": body["pulse_answers"],
        "request_checks": body["request_checks"],
    }
    return json.dumps(record, default=_iso, indent=2, ensure_ascii=False).encode()


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def erasure_markers(key: bytes, who: PersonIdentity) -> list[str]:
    """The keyed hashes of each way `who` is known: their email and platform ids."""
    named = (
        ("email", (who.email or "").strip().lower()),
        ("slack", who.slack_user_id or ""),
        ("teams", who.teams_user_id or ""),
        ("aad", who.teams_aad_object_id or ""),
    )
    return [
        hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        for kind, value in named if value
    ]
