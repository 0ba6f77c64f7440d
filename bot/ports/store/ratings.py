"""The store's part for answers, comments, follow-ups, and what chat needs to redraw them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain.answers import (
    AlertFacts,
    AnswerFacts,
    FollowUp,
    NewRating,
    RatedItem,
    RatingChange,
)
from bot.domain.identity import PersonIdentity
from bot.domain.model import Rating


class Ratings(Protocol):
    """Ratings and follow-ups, read and written without rules: the recording flow decides
    (`bot.domain.rating_rules`) inside its `Store.transaction()`, and the core renders
    what people see from the facts read here (`bot.domain.prompt_view`)."""

    async def answer_facts(
        self,
        prompt_id: int,
        person: PersonIdentity | None = None,
        receipt: str | None = None,
        *,
        lock: bool = False,
    ) -> AnswerFacts | None:
        """The prompt with its team, people, ticket and rating; None for no such prompt.

        `person` is matched to the stored clicker; `receipt` finds a rating only when the
        prompt has none linked (anonymous ones). `lock` holds the prompt's row until the
        transaction ends (PostgreSQL), so two clicks on one prompt take turns.
        """
        ...

    async def insert_rating(self, rating: NewRating) -> Rating | None:
        """Store a first rating; None when the prompt already has one (a concurrent click)."""
        ...

    async def rating_of_prompt(self, prompt_id: int) -> Rating | None: ...

    async def update_rating(self, rating_id: int, change: RatingChange) -> Rating:
        """Change what `change` sets; return the rating as stored. Raise `NotFound`."""
        ...

    async def mark_prompt_answered(
        self, prompt_id: int, *, answered_at: datetime | None, updated_at: datetime
    ) -> None: ...

    async def open_follow_up(
        self, rating_id: int, team_id: int, *, created_at: datetime,
        follow_up_id: int | None = None,
    ) -> int | None:
        """Open the rating's follow-up (with `follow_up_id`, else the next id); None when
        it has one already."""
        ...

    async def get_follow_up(self, follow_up_id: int) -> FollowUp | None: ...

    async def claim_follow_up(
        self, follow_up_id: int, person_id: int, *, at: datetime
    ) -> FollowUp: ...

    async def resolve_follow_up(
        self, follow_up_id: int, person_id: int, note: str | None, *, at: datetime
    ) -> FollowUp: ...

    async def set_follow_up_alert(self, follow_up_id: int, platform: str, ref: str) -> None: ...

    async def open_follow_ups(self, team: str | None = None) -> list[FollowUp]: ...

    async def first_delivery(self, key: str, *, at: datetime) -> bool:
        """True the first time `key` (a platform event or interaction id) is seen."""
        ...

    async def alert_facts(self, follow_up_id: int) -> AlertFacts | None:
        """The follow-up with its rating, team, ticket and people, to render its alert."""
        ...

    async def follow_up_of_rating(self, rating_id: int) -> int | None:
        """The follow-up a detractor rating opened, if any."""
        ...

    async def ratings_of(self, person_id: int, *, limit: int) -> list[RatedItem]:
        """The person's newest ratings (anonymous ones are not linked to them: never here)."""
        ...
