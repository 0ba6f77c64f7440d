"""The store's part for the questions after the score: a rating's reasons and lost time."""

from __future__ import annotations

from typing import Protocol

from bot.domain.reasons import AfterScore, LostTime


class AfterScoreAnswers(Protocol):
    """What a person answered after the score, kept by rating id only: an anonymous
    rating's answers are found through its receipt like its comment, never its person."""

    async def after_score(self, rating_id: int) -> AfterScore:
        """The reasons chosen (in key order) and the time lost of the rating."""
        ...

    async def set_reason(self, rating_id: int, key: str, *, on: bool) -> None:
        """Choose (`on`) or drop one reason; choosing one twice keeps it once."""
        ...

    async def drop_reasons(self, rating_id: int) -> None:
        """Drop every reason of the rating (its score moved to the other side)."""
        ...

    async def set_lost_time(self, rating_id: int, lost: LostTime | None) -> None: ...
