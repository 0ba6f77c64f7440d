"""A score clicked in a rating prompt: record it, alert on a new detractor, say what shows.

A refusal is told in the reader's language. An expired prompt says so in the prompt
itself when its own recipient clicked; anything else is said to the clicker alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.domain.errors import NotRecipient, PromptExpired, UserFacingError
from bot.domain.identity import PersonIdentity
from bot.domain.messages import PromptUpdate
from bot.domain.texts import in_locale, text
from bot.flows import alerts, closing_the_loop
from bot.flows.interactions.people import is_same, reader_locale
from bot.flows.interactions.views import PromptView
from bot.flows.recording import (
    Alongside,
    AlreadyDelivered,
    answers_after,
    rating_prompt,
    record_rating,
)
from bot.services import Services


async def answer(
    services: Services, prompt_id: int, who: PersonIdentity, score: int, receipt: str | None,
    *, delivery_key: str | None = None, settled: Callable[[], Awaitable[object]] | None = None,
    alongside: Alongside | None = None,
) -> PromptView:
    """Record `who`'s score for the prompt (or change it) and redraw the prompt.

    `delivery_key`, the platform's id of this click, is checked in the answer's own
    transaction: a click delivered again costs no transaction of its own.
    `settled` is awaited as soon as the click's fate is durable (its rating committed, or
    its refusal decided) and before anything else: the platform's acknowledgement, which
    must never promise a rating a crash could still lose. It is not awaited when storing
    failed, so the platform can tell the person the click did not count.
    `alongside` (`recording.Alongside`) is written with the answer, or, when the answer is
    refused or was recorded before, in a transaction of its own: written either way.
    """
    try:
        result = await record_rating(
            services, prompt_id, who, score, receipt, delivery_key=delivery_key,
            alongside=alongside,
        )
    except AlreadyDelivered:
        await _settle(settled)
        await _alone(services, alongside)
        return await replayed(services, prompt_id, who, score, receipt)
    except UserFacingError as refusal:
        await _settle(settled)
        await _alone(services, alongside)
        return await refused(services, prompt_id, who, refusal)
    await _settle(settled)
    if result.alert is not None:  # a new detractor: its alert was drafted with the answer
        await alerts.alert_detractor(services, result.alert)
    if result.became_promoter and result.prompt is not None:
        await closing_the_loop.praise_agent(services, result.prompt, result.rating.score)
    prompt = result.prompt  # read with the answer: no second read before the redraw
    locale = reader_locale(services, who, prompt.recipient if prompt else None)
    if prompt is None:  # the person was forgotten meanwhile: nothing left to redraw
        return PromptView(locale, notice=text("prompt.thanks", locale, score=score))
    update = PromptUpdate(prompt, score=result.rating.score, comment=result.rating.comment,
                          receipt=result.receipt, after=result.after)
    # A replayed click changed nothing: the prompt already shows it.
    return PromptView(locale, update=update, changed=result.created or result.changed)


async def _alone(services: Services, alongside: Alongside | None) -> None:
    """What was to go with an answer that was not written: in a transaction of its own."""
    if alongside is not None:
        async with services.store.transaction() as tx:
            await alongside(tx)


async def _settle(settled: Callable[[], Awaitable[object]] | None) -> None:
    if settled is not None:
        await settled()


async def replayed(
    services: Services, prompt_id: int, who: PersonIdentity, score: int, receipt: str | None
) -> PromptView:
    """A click delivered again: nothing is recorded twice, the prompt shows the score."""
    prompt = await rating_prompt(services, prompt_id)
    locale = reader_locale(services, who, prompt.recipient if prompt else None)
    if prompt is None:
        return PromptView(locale, notice=text("prompt.not_yours", locale), changed=False)
    after = await answers_after(services, prompt_id, who, receipt)  # shown as they are
    return PromptView(locale, update=PromptUpdate(prompt, score=score, receipt=receipt,
                                                  after=after), changed=False)


async def refused(
    services: Services, prompt_id: int, who: PersonIdentity, refusal: UserFacingError
) -> PromptView:
    """Why the answer was not recorded, and where that is said."""
    prompt = await rating_prompt(services, prompt_id)
    own = prompt is not None and is_same(prompt.recipient, who)
    locale = reader_locale(services, who, prompt.recipient if prompt and own else None)
    reason = refusal_text(refusal, locale)
    if prompt is not None and own and isinstance(refusal, PromptExpired):
        return PromptView(locale, update=PromptUpdate(prompt, notice=reason), problem=reason)
    return PromptView(locale, notice=reason, problem=reason)


def refusal_text(refusal: UserFacingError, locale: str) -> str:
    """The refusal in the reader's language where ratebot has it, else as the error says."""
    if isinstance(refusal, PromptExpired):
        return text("prompt.expired", locale)
    if isinstance(refusal, NotRecipient):
        return text("prompt.not_yours", locale)
    return in_locale(str(refusal), locale)
