"""A tap after the score: a reason chosen or dropped, or the work time lost answered.

Each tap sets a state (this reason on or off, this bucket), so a tap delivered twice
changes nothing the second time. Only the rating's recipient answers, on a rating that
exists; an anonymous rating is found through the receipt its message carries, like a
comment, and its answers are kept by the rating alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.domain.answers import AnswerFacts
from bot.domain.errors import InvalidValue, NotFound, PromptExpired, UserFacingError
from bot.domain.identity import PersonIdentity
from bot.domain.messages import PromptUpdate
from bot.domain.model import Prompt, PromptStatus, Rating
from bot.domain.rating_rules import answer_context, check_recipient, existing_rating, redrawn
from bot.domain.reasons import LostTime, offered
from bot.domain.texts import text
from bot.flows.interactions.answering import refused
from bot.flows.interactions.people import reader_locale
from bot.flows.interactions.views import PromptView
from bot.ports.store import Store
from bot.services import Services

Write = Callable[[Store, AnswerFacts, Rating], Awaitable[None]]
_GONE = "This rating request no longer exists."
_SCORE_FIRST = "Choose a score first, then tell us more."
_NOT_OFFERED = "That answer is not offered with this score."


async def choose_reason(
    services: Services, prompt_id: int, who: PersonIdentity, key: str, receipt: str | None,
    *, on: bool,
) -> PromptView:
    """Choose (`on`) or drop one reason of `who`'s rating, and redraw the prompt."""
    async def write(tx: Store, facts: AnswerFacts, rating: Rating) -> None:
        category = rating.scale.classify(rating.score)
        # Dropping is always allowed: a reason the team no longer offers can still go.
        if on and key not in offered(facts.team.reasons, category):
            raise InvalidValue(_NOT_OFFERED)
        await tx.set_reason(rating.id, key, on=on)

    return await _after_score(services, prompt_id, who, receipt, write)


async def answer_lost_time(
    services: Services, prompt_id: int, who: PersonIdentity, bucket: str, receipt: str | None,
) -> PromptView:
    """Record how much work time the issue cost `who` (one answer, changeable)."""
    try:
        lost = LostTime(bucket)
    except ValueError:
        raise InvalidValue(_NOT_OFFERED) from None

    async def write(tx: Store, facts: AnswerFacts, rating: Rating) -> None:
        await tx.set_lost_time(rating.id, lost)

    return await _after_score(services, prompt_id, who, receipt, write)


def _expired(prompt: Prompt, now: datetime) -> bool:
    return prompt.status is PromptStatus.EXPIRED or (
        prompt.expires_at is not None and now >= prompt.expires_at)


async def _after_score(
    services: Services, prompt_id: int, who: PersonIdentity, receipt: str | None, write: Write,
) -> PromptView:
    try:
        async with services.store.transaction() as tx:
            facts = await tx.answer_facts(prompt_id, who, receipt, lock=True)
            if facts is None:
                raise NotFound(_GONE)
            rating = existing_rating(facts)
            if rating is None:
                raise NotFound(_SCORE_FIRST)
            check_recipient(answer_context(facts))
            if _expired(facts.prompt, services.clock.now()):  # as a new score would be
                raise PromptExpired()
            await write(tx, facts, rating)
            after = await tx.after_score(rating.id)
    except UserFacingError as refusal:
        return await refused(services, prompt_id, who, refusal)
    prompt = redrawn(facts)
    locale = reader_locale(services, who, prompt.recipient if prompt else None)
    if prompt is None:
        return PromptView(locale, notice=text("prompt.thanks", locale, score=rating.score))
    return PromptView(locale, update=PromptUpdate(
        prompt, score=rating.score, comment=rating.comment, receipt=receipt, after=after))
