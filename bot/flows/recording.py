"""Recording a click and an optional comment: one transaction each, the rules in the core."""

from __future__ import annotations

import random
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.domain.anonymity import answered_marker, random_follow_up_id, random_rating_id
from bot.domain.answers import (
    Answer,
    AnswerFacts,
    CommentResult,
    PostedAlert,
    RatingChange,
    RatingResult,
)
from bot.domain.errors import InvalidValue, NotFound
from bot.domain.identity import PersonIdentity
from bot.domain.messages import RatingPrompt
from bot.domain.model import Anonymity, PromptStatus, Rating
from bot.domain.prompt_view import detractor_alert
from bot.domain.rating_rules import (
    answer_context,
    check_answer,
    check_recipient,
    existing_rating,
    first_rating,
    follow_up_opens,
    new_alert,
    prompt_answered,
    rating_change,
    redrawn,
    stamp,
)
from bot.domain.reasons import OFF, AfterScore, changes_side
from bot.domain.scales import Category
from bot.flows import pulse_answers
from bot.ports.store import Store
from bot.services import Services

MAX_COMMENT = 2000
_GONE = "This rating request no longer exists."
# Anonymous ids must not be predictable from ids seen before: the operating system's.
_IDS = random.SystemRandom()


# Store work a platform does with a click besides its answer (Teams keeps the conversation's
# reference), done in the answer's own transaction: one commit where there were two.
Alongside = Callable[[Store], Awaitable[object]]


class AlreadyDelivered(Exception):
    """The platform delivered this click before, and it was recorded then."""


async def record_rating(
    services: Services,
    prompt_id: int,
    person: PersonIdentity,
    score: int,
    receipt: str | None = None,
    *,
    delivery_key: str | None = None,
    alongside: Alongside | None = None,
) -> RatingResult:
    """Record (or change) the rating of a prompt, in one transaction.

    `result.follow_up_id` flags a new detractor; `result.alert` is its alert, ready for
    `alerts.alert_detractor`. A `delivery_key` (the platform's id of this click) is
    checked in the same transaction: a click delivered twice raises `AlreadyDelivered`.
    `alongside` runs in that transaction too, so it is written only with the answer.
    """
    answer = Answer(
        prompt_id=prompt_id,
        person=person,
        score=score,
        at=services.clock.now(),
        receipt=receipt,
        new_receipt=secrets.token_urlsafe(18),
    )
    key = services.policy.anonymity_key
    if services.units is None:
        result = await record_answer(services.store, answer, delivery_key=delivery_key,
                                     anonymity_key=key, alongside=alongside)
    else:
        # Clicks arriving together may share one commit (`Services.units`).
        result = await services.units.run(
            lambda tx: _record_in(tx, answer, delivery_key=delivery_key, anonymity_key=key,
                                  alongside=alongside))
    if result.changed and not result.pulse:
        services.telemetry.rating_recorded(result.rating.scale, result.category)
    if result.created:
        services.telemetry.prompt_status(PromptStatus.ANSWERED)
    return result


async def record_answer(
    store: Store, answer: Answer, *, delivery_key: str | None = None, anonymity_key: str = "",
    alongside: Alongside | None = None,
) -> RatingResult:
    """`record_rating`'s unit of work: read the facts, let the rules decide, write.

    `anonymity_key` keys the marker that refuses a replayed first click in an anonymous
    team (`anonymity.answered_marker`)."""
    async with store.transaction() as tx:
        return await _record_in(tx, answer, delivery_key=delivery_key,
                                anonymity_key=anonymity_key, alongside=alongside)


async def _record_in(
    tx: Store, answer: Answer, *, delivery_key: str | None, anonymity_key: str,
    alongside: Alongside | None = None,
) -> RatingResult:
    """`record_answer`'s body, inside the transaction `tx` (its own, or a group's)."""
    if alongside is not None:
        await alongside(tx)
    if delivery_key is not None and not await tx.first_delivery(delivery_key, at=answer.at):
        raise AlreadyDelivered(delivery_key)
    facts = await tx.answer_facts(answer.prompt_id, answer.person, answer.receipt, lock=True)
    if facts is None:
        raise NotFound(_GONE)
    if facts.prompt.pulse_id is not None:  # kept apart from ratings (bot.flows.pulse)
        return await pulse_answers.record(tx, facts, answer, anonymity_key=anonymity_key)
    context = answer_context(facts)
    marker = answered_marker(anonymity_key, facts.prompt.id) if _anonymous(facts) else None
    replayed = False
    if marker is not None and context.existing is None:
        replayed = await tx.was_answered(marker)
    check_answer(context, answer, answered_before=replayed)
    existing = context.existing
    rating = None if existing is not None else await _first(tx, facts, answer, marker)
    if rating is None and existing is None:
        # A concurrent first click stored the prompt's rating first: change that one.
        existing = await tx.rating_of_prompt(facts.prompt.id)
        assert existing is not None
    if existing is not None:
        rating = await _changed(tx, existing, facts, answer)
    assert rating is not None
    return await _result(tx, facts, answer, rating, was=existing)


def _anonymous(facts: AnswerFacts) -> bool:
    return facts.team.anonymity is Anonymity.ANONYMOUS


async def _first(
    tx: Store, facts: AnswerFacts, answer: Answer, marker: str | None
) -> Rating | None:
    """Store the prompt's first rating; None when a concurrent click stored one already.

    An anonymous answer leaves the prompt as it was: it is counted for the day, and only
    its keyed marker (`marker`) remembers that the prompt was answered.
    """
    rating = await tx.insert_rating(
        first_rating(facts, answer, random_id=random_rating_id(_IDS))
    )
    if rating is None:
        return None
    answered = prompt_answered(facts.team, answer.at)
    if answered is not None:
        await tx.mark_prompt_answered(
            facts.prompt.id, answered_at=answered.answered_at, updated_at=answered.updated_at
        )
    if marker is not None:
        day = rating.rated_at.date()
        await tx.count_anonymous_answer(facts.team.id, day)
        await tx.mark_answered(marker, day)
    return rating


async def _changed(tx: Store, existing: Rating, facts: AnswerFacts, answer: Answer) -> Rating:
    change = rating_change(existing, facts.team, answer)
    if change.category is not None and changes_side(
        existing.scale.classify(existing.score), change.category
    ):
        await tx.drop_reasons(existing.id)
    return await tx.update_rating(existing.id, change) if change else existing


async def _result(
    tx: Store, facts: AnswerFacts, answer: Answer, rating: Rating, *, was: Rating | None
) -> RatingResult:
    """Open the follow-up of a new detractor and say what happened.

    `was`: the rating as it stood before this answer; None when this answer created it.
    """
    category = rating.scale.classify(rating.score)
    follow_up_id = None
    if follow_up_opens(category):
        follow_up_id = await tx.open_follow_up(
            rating.id, facts.team.id, created_at=stamp(facts.team, answer.at),
            follow_up_id=random_follow_up_id(_IDS) if _anonymous(facts) else None,
        )
    return RatingResult(
        rating=rating,
        category=category,
        created=was is None,
        changed=was is None or was.score != rating.score,
        receipt=answer.receipt or answer.new_receipt,
        follow_up_id=follow_up_id,
        became_promoter=category is Category.PROMOTER and (
            was is None or was.scale.classify(was.score) is not Category.PROMOTER),
        prompt=redrawn(facts),
        alert=None if follow_up_id is None else new_alert(facts, follow_up_id, rating, answer.at),
        # A first rating has no answers after it yet: no read on the busiest path.
        after=await _after(tx, facts, rating) if was is not None else AfterScore(),
    )


async def _after(tx: Store, facts: AnswerFacts, rating: Rating) -> AfterScore:
    """The rating's answers after the score, when the team asks any."""
    if facts.team.reasons == OFF and not facts.team.lost_time:
        return AfterScore()
    return await tx.after_score(rating.id)


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
    return (await record_comment(services, prompt_id, person, comment, receipt)).rating


async def record_comment(
    services: Services,
    prompt_id: int,
    person: PersonIdentity,
    comment: str,
    receipt: str | None = None,
) -> CommentResult:
    """`add_comment`, with the redrawn message and the posted alert the comment now joins:
    one transaction, after which nothing needs reading again (see `alerts.update_posted`)."""
    return await comment_on(
        services.store, prompt_id, person, receipt, clean_comment(comment),
        at=services.clock.now(),
    )


async def comment_on(
    store: Store, prompt_id: int, person: PersonIdentity, receipt: str | None, comment: str,
    *, at: datetime,
) -> CommentResult:
    """`record_comment`'s unit of work: only the recipient comments, on a rating that exists."""
    async with store.transaction() as tx:
        facts = await tx.answer_facts(prompt_id, person, receipt)
        if facts is None:
            raise NotFound(_GONE)
        if facts.prompt.pulse_id is not None:
            return await pulse_answers.comment(tx, facts, receipt, comment, at=at)
        rating = existing_rating(facts)
        if rating is None:
            raise NotFound("There is no rating to comment on yet: choose a score first.")
        check_recipient(answer_context(facts))
        rating = await tx.update_rating(
            rating.id, RatingChange(comment=comment, updated_at=stamp(facts.team, at))
        )
        return CommentResult(rating=rating, prompt=redrawn(facts), alert=await _posted(tx, rating),
                             after=await _after(tx, facts, rating))


async def _posted(tx: Store, rating: Rating) -> PostedAlert | None:
    """The rating's alert as it reads now, if one was posted (a detractor's)."""
    follow_up_id = await tx.follow_up_of_rating(rating.id)
    facts = None if follow_up_id is None else await tx.alert_facts(follow_up_id)
    if facts is None or facts.follow_up.alert_ref is None:
        return None
    platform = facts.follow_up.alert_platform or ""
    return PostedAlert(detractor_alert(facts), platform, facts.follow_up.alert_ref)


async def rating_prompt(services: Services, prompt_id: int) -> RatingPrompt | None:
    """The prompt as its recipient sees it, to draw it again in place (withdrawn, expired,
    refused); None for no such prompt or a forgotten person."""
    facts = await services.store.answer_facts(prompt_id)
    return None if facts is None else redrawn(facts)


async def answers_after(
    services: Services, prompt_id: int, who: PersonIdentity, receipt: str | None
) -> AfterScore:
    """The answers after the score of `who`'s rating of the prompt, to redraw it again."""
    facts = await services.store.answer_facts(prompt_id, who, receipt)
    rating = None if facts is None else existing_rating(facts)
    if facts is None or rating is None:
        return AfterScore()
    return await _after(services.store, facts, rating)
