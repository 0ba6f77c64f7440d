"""Clicks on ratebot's cards: a score, a comment, "don't ask me again", claim and resolve.

Each click becomes a core call and the card to show next; the same code serves the
`Action.Execute` invoke and the `Action.Submit` fallback.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from adapters.teams import cards
from adapters.teams.activities import CardAction
from adapters.teams.escape import escape
from bot.domain.errors import InvalidValue, NotRecipient, PromptExpired, UserFacingError
from bot.domain.identity import PersonIdentity
from bot.domain.messages import PromptUpdate, RatingPrompt
from bot.domain.texts import text
from bot.flows import alerts
from bot.flows.recording import add_comment, record_rating
from bot.ports.store import Store
from bot.services import Services

# The clicker with their email looked up (the roster may be asked): only when needed.
Identify = Callable[[], Awaitable[PersonIdentity]]
NOT_OURS = "That button is not one of ratebot's."


class CardClicks:
    def __init__(self, services: Services, store: Store) -> None:
        self.services = services
        self.store = store

    async def click(
        self, action: CardAction, sender: PersonIdentity, identify: Identify, locale: str,
        *, replay: bool,
    ) -> cards.Card:
        """The card that replaces the clicked one. A replay records nothing again."""
        if action.verb == cards.RATE:
            return await self.rate(action, sender, locale, replay=replay)
        if action.verb == cards.COMMENT:
            return await self.comment(action, sender, locale, replay=replay)
        if action.verb == cards.OPTOUT:
            return await self.opt_out(sender, locale, replay=replay)
        if action.verb in (cards.CLAIM, cards.RESOLVE):
            return await self.follow_up(action, await identify(), replay=replay)
        raise InvalidValue(NOT_OURS)

    async def rate(
        self, action: CardAction, sender: PersonIdentity, locale: str, *, replay: bool
    ) -> cards.Card:
        prompt_id, score = action.integer("prompt"), action.integer("score")
        receipt = action.string("receipt")
        if prompt_id is None or score is None:
            raise InvalidValue(NOT_OURS)
        if replay:
            prompt = await self.store.rating_prompt(prompt_id)
            if prompt is None:
                return cards.notice_card(text("prompt.not_yours", locale))
            return cards.rated_card(PromptUpdate(prompt, score=score, receipt=receipt), locale)
        try:
            result = await record_rating(self.services, prompt_id, sender, score, receipt)
        except UserFacingError as refusal:
            return refusal_card(refusal, await self.store.rating_prompt(prompt_id), locale)
        if result.follow_up_id is not None:
            await alerts.alert_detractor(self.services, result.follow_up_id)
        prompt = result.prompt  # read with the answer: no second read before the card
        if prompt is None:
            return cards.notice_card(text("prompt.thanks", locale, score=score))
        update = PromptUpdate(prompt, score=result.rating.score, comment=result.rating.comment,
                              receipt=result.receipt)
        return cards.rated_card(update, locale)

    async def comment(
        self, action: CardAction, sender: PersonIdentity, locale: str, *, replay: bool
    ) -> cards.Card:
        prompt_id, score = action.integer("prompt"), action.integer("score")
        receipt = action.string("receipt")
        if prompt_id is None:
            raise InvalidValue(NOT_OURS)
        prompt = await self.store.rating_prompt(prompt_id)
        typed = str(action.data.get(cards.COMMENT_INPUT) or "")
        if replay and prompt is not None and score is not None:
            return cards.thanks_card(PromptUpdate(prompt, score=score, comment=typed.strip()),
                                     locale)
        try:
            rating = await add_comment(self.services, prompt_id, sender, typed, receipt)
        except InvalidValue as problem:
            if prompt is None or score is None:
                raise
            # Keep the comment box: the person can fix the text and send it again.
            card = cards.rated_card(PromptUpdate(prompt, score=score, receipt=receipt), locale)
            card["body"].append(cards.text_block(escape(str(problem)), color="Attention"))
            return card
        except UserFacingError as refusal:
            return refusal_card(refusal, prompt, locale)
        await alerts.comment_added(self.services, rating)
        if prompt is None:
            return cards.notice_card(text("prompt.thanks", locale, score=rating.score))
        update = PromptUpdate(prompt, score=rating.score, comment=rating.comment, receipt=receipt)
        return cards.thanks_card(update, locale)

    async def opt_out(self, sender: PersonIdentity, locale: str, *, replay: bool) -> cards.Card:
        person = await self.services.store.upsert_person(sender)
        if not replay:
            await self.services.store.set_opted_out(person.id, True, at=self.services.clock.now())
        return cards.notice_card(text("optout.done", locale).replace("/ratings", "ratings"))

    async def follow_up(
        self, action: CardAction, who: PersonIdentity, *, replay: bool
    ) -> cards.Card:
        follow_up_id = action.integer("follow_up")
        if follow_up_id is None:
            raise InvalidValue(NOT_OURS)
        if replay:
            alert = await alerts.refresh(self.services, follow_up_id)
        elif action.verb == cards.CLAIM:
            alert = await alerts.claim(self.services, follow_up_id, who)
        else:
            note = action.string(cards.NOTE_INPUT)
            alert = await alerts.resolve(self.services, follow_up_id, who, note)
        return cards.alert_card(alert, self.services.policy.locale)


def refusal_card(
    refusal: UserFacingError, prompt: RatingPrompt | None, locale: str
) -> cards.Card:
    """Why the click was not recorded, in the reader's language where ratebot has it."""
    if isinstance(refusal, PromptExpired):
        reason = text("prompt.expired", locale)
    elif isinstance(refusal, NotRecipient):
        reason = text("prompt.not_yours", locale)
    else:
        reason = str(refusal)
    if prompt is not None and isinstance(refusal, PromptExpired):
        return cards.notice_card(reason, PromptUpdate(prompt, notice=reason), locale)
    return cards.notice_card(reason)
