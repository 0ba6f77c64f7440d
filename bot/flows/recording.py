"""Recording a click and an optional comment, with every rule that guards them."""

from __future__ import annotations

import secrets

from bot.domain.answers import Answer, AnswerContext, RatingResult
from bot.domain.errors import InvalidValue, NotRecipient, PromptClosed, PromptExpired, ScoreOffScale
from bot.domain.identity import PersonIdentity
from bot.domain.model import Anonymity, PromptStatus, Rating, SkipReason
from bot.services import Services

MAX_COMMENT = 2000

_CLOSED_BECAUSE = {
    SkipReason.REOPENED.value: "This rating request was withdrawn because the ticket was reopened.",
    SkipReason.FORGOTTEN.value: "This rating request was withdrawn.",
}


def check_answer(ctx: AnswerContext, answer: Answer) -> None:
    """Refuse an answer that must not be recorded; raise a `UserFacingError` saying why."""
    prompt = ctx.prompt
    if prompt.status in (PromptStatus.SKIPPED, PromptStatus.FAILED, PromptStatus.PENDING):
        message = _CLOSED_BECAUSE.get(prompt.reason or "", "This rating request is not open.")
        raise PromptClosed(message)
    expired = prompt.expires_at is not None and answer.at >= prompt.expires_at
    if prompt.status is PromptStatus.EXPIRED or expired:
        raise PromptExpired()
    if ctx.recipient is None or ctx.clicker is None or ctx.clicker.id != ctx.recipient.id:
        raise NotRecipient()
    scale = ctx.team.scale
    if not scale.contains(answer.score):
        low, high = scale.spec.low, scale.spec.high
        raise ScoreOffScale(f"{answer.score} is not a score on this scale ({low} to {high}).")
    if (
        ctx.team.anonymity is Anonymity.ANONYMOUS
        and prompt.status is PromptStatus.ANSWERED
        and ctx.existing is None
    ):
        # Nothing links an anonymous rating to its prompt, so only the receipt carried in
        # the updated message can find it again; a replayed first click lands here.
        raise PromptClosed("Your anonymous rating is already recorded.")


async def record_rating(
    services: Services,
    prompt_id: int,
    person: PersonIdentity,
    score: int,
    receipt: str | None = None,
) -> RatingResult:
    """Record (or change) the rating of a prompt. `result.follow_up_id` flags a new detractor."""
    answer = Answer(
        prompt_id=prompt_id,
        person=person,
        score=score,
        at=services.clock.now(),
        receipt=receipt,
        new_receipt=secrets.token_urlsafe(18),
    )
    result = await services.store.answer_prompt(answer, check_answer)
    if result.changed:
        services.telemetry.rating_recorded(result.rating.scale, result.category)
    if result.created:
        services.telemetry.prompt_status(PromptStatus.ANSWERED)
    return result


def clean_comment(text: str) -> str:
    comment = text.strip()
    if not comment:
        raise InvalidValue("The comment is empty.")
    if len(comment) > MAX_COMMENT:
        raise InvalidValue(
            f"A comment can have at most {MAX_COMMENT:,} characters; this one has {len(comment):,}."
        )
    return comment


async def add_comment(
    services: Services,
    prompt_id: int,
    person: PersonIdentity,
    comment: str,
    receipt: str | None = None,
) -> Rating:
    """Attach the optional comment that follows a click (principle 2)."""
    return await services.store.add_comment(
        prompt_id, person, receipt, clean_comment(comment), at=services.clock.now()
    )
