"""What chat flows need from storage beyond `RatingStore`, and the values that cross it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.domain.scales import Scale
from bot.ports import DetractorAlert, FollowUp, RatingPrompt, RatingStore


@dataclass(frozen=True, slots=True)
class RatedItem:
    """One of a person's own ratings, for their App Home."""

    team_display_name: str
    scale: Scale
    score: int
    rated_at: datetime
    has_comment: bool


@runtime_checkable
class ChatStore(RatingStore, Protocol):
    """The store with the chat adapters' queries (storage.chat_queries.ChatQueries)."""

    async def first_delivery(self, key: str, *, at: datetime) -> bool:
        """True the first time `key` (a platform event or interaction id) is seen."""
        ...

    async def rating_prompt(self, prompt_id: int) -> RatingPrompt | None:
        """The prompt as it was rendered when sent, to render it again in place."""
        ...

    async def detractor_alert(self, follow_up_id: int) -> tuple[FollowUp, DetractorAlert] | None:
        """The follow-up and its alert, with only the names the team's anonymity allows."""
        ...

    async def follow_up_of_rating(self, rating_id: int) -> int | None:
        """The follow-up a detractor rating opened, if any."""
        ...

    async def ratings_of(self, person_id: int, *, limit: int) -> list[RatedItem]:
        """The person's newest ratings (anonymous ones are not linked to them: never here)."""
        ...


def chat_store(store: RatingStore) -> ChatStore:
    """The store as a `ChatStore`; a store without the chat queries is a wiring mistake."""
    if not isinstance(store, ChatStore):
        raise TypeError(f"{type(store).__name__} lacks the chat queries (ChatQueries)")
    return store
