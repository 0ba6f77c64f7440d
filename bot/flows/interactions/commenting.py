"""The optional comment after a score: recorded, joined to an open alert, shown back."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import InvalidValue, UserFacingError
from bot.domain.identity import PersonIdentity
from bot.domain.messages import PromptUpdate
from bot.domain.texts import anonymity_notice, in_locale, text
from bot.flows import alerts
from bot.flows.interactions.answering import refused
from bot.flows.interactions.people import reader_locale
from bot.flows.interactions.views import PromptView
from bot.flows.recording import rating_prompt, record_comment
from bot.services import Services


@dataclass(frozen=True, slots=True)
class CommentForm:
    """What the comment form says besides its question: its language, and who will see
    the answer (the prompt's anonymity notice, kept in view while the person types)."""

    locale: str
    notice: str | None  # None when the prompt is gone


async def comment_form(services: Services, prompt_id: int, who: PersonIdentity) -> CommentForm:
    """The comment form for `who`: in the recipient's language, with the anonymity notice."""
    prompt = await rating_prompt(services, prompt_id)
    locale = reader_locale(services, who, prompt.recipient if prompt else None)
    if prompt is None:
        return CommentForm(locale, None)
    notice = anonymity_notice(prompt.anonymity, prompt.team_display_name, locale)
    return CommentForm(locale, notice)


async def comment(
    services: Services, prompt_id: int, who: PersonIdentity, typed: str,
    receipt: str | None, *, score: int | None = None,
) -> PromptView:
    """Attach `typed` to `who`'s rating of the prompt. `score`: the one the form showed."""
    try:
        commented = await record_comment(services, prompt_id, who, typed, receipt)
    except InvalidValue as problem:
        # The text can be fixed: the form stays, with the score the person gave.
        prompt = await rating_prompt(services, prompt_id)
        locale = reader_locale(services, who, prompt.recipient if prompt else None)
        update = None
        if prompt is not None and score is not None:
            update = PromptUpdate(prompt, score=score, receipt=receipt)
        return PromptView(locale, update=update, problem=in_locale(str(problem), locale),
                          fixable=True)
    except UserFacingError as refusal:
        return await refused(services, prompt_id, who, refusal)
    if commented.alert is not None:  # read with the comment: the alert now shows it
        await alerts.update_posted(services, commented.alert)
    rating, prompt = commented.rating, commented.prompt
    locale = reader_locale(services, who, prompt.recipient if prompt else None)
    if prompt is None:
        return PromptView(locale, notice=text("prompt.thanks", locale, score=rating.score))
    return PromptView(locale, update=PromptUpdate(
        prompt, score=rating.score, comment=rating.comment, receipt=receipt,
        after=commented.after))


async def replayed(
    services: Services, prompt_id: int, who: PersonIdentity, typed: str, score: int
) -> PromptView | None:
    """A comment delivered again: shown as sent, recorded once. None: the prompt is gone."""
    prompt = await rating_prompt(services, prompt_id)
    if prompt is None:
        return None
    locale = reader_locale(services, who, prompt.recipient)
    return PromptView(locale, update=PromptUpdate(prompt, score=score, comment=typed.strip()),
                      changed=False)
