"""The rules of an answer: who may answer, what is stored, what anonymity hides, what opens.

Pure: the recording flow reads `AnswerFacts` in its transaction, these functions decide,
and the flow writes what they return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.domain.answers import (
    AlertFacts,
    Answer,
    AnswerContext,
    AnswerFacts,
    FollowUp,
    NewAlert,
    NewRating,
    RatingChange,
)
from bot.domain.errors import NotRecipient, PromptClosed, PromptExpired, ScoreOffScale
from bot.domain.messages import RatingPrompt
from bot.domain.model import Anonymity, FollowUpStatus, PromptStatus, Rating, SkipReason, Team
from bot.domain.prompt_view import detractor_alert, rating_prompt
from bot.domain.scales import Category

_CLOSED_BECAUSE = {
    SkipReason.REOPENED.value: "This rating request was withdrawn because the ticket was reopened.",
    SkipReason.FORGOTTEN.value: "This rating request was withdrawn.",
}


def check_answer(ctx: AnswerContext, answer: Answer, *, answered_before: bool = False) -> None:
    """Refuse an answer that must not be recorded; raise a `UserFacingError` saying why.

    `answered_before`: an anonymous prompt's answered marker exists (`anonymity`).
    """
    prompt = ctx.prompt
    if prompt.status in (PromptStatus.SKIPPED, PromptStatus.FAILED, PromptStatus.PENDING):
        message = _CLOSED_BECAUSE.get(prompt.reason or "", "This rating request is not open.")
        raise PromptClosed(message)
    expired = prompt.expires_at is not None and answer.at >= prompt.expires_at
    if prompt.status is PromptStatus.EXPIRED or expired:
        raise PromptExpired()
    check_recipient(ctx)
    scale = ctx.team.scale
    if not scale.contains(answer.score):
        low, high = scale.spec.low, scale.spec.high
        raise ScoreOffScale(f"{answer.score} is not a score on this scale ({low} to {high}).")
    if (
        ctx.team.anonymity is Anonymity.ANONYMOUS
        and (prompt.status is PromptStatus.ANSWERED or answered_before)
        and ctx.existing is None
    ):
        # Nothing links an anonymous rating to its prompt, so only the receipt carried in
        # the updated message can find it again; a replayed first click lands here.
        raise PromptClosed("Your anonymous rating is already recorded.")


def check_recipient(ctx: AnswerContext) -> None:
    """Only the person the prompt was sent to may answer it or comment on it."""
    if ctx.recipient is None or ctx.clicker is None or ctx.clicker.id != ctx.recipient.id:
        raise NotRecipient()


def answer_context(facts: AnswerFacts) -> AnswerContext:
    """The facts as the rules see them, with the rating this click is about."""
    return AnswerContext(
        prompt=facts.prompt,
        team=facts.team,
        recipient=facts.recipient,
        clicker=facts.clicker,
        existing=existing_rating(facts),
    )


def existing_rating(facts: AnswerFacts) -> Rating | None:
    """The prompt's rating; in anonymous teams only the click's receipt can find it."""
    if facts.team.anonymity is Anonymity.ANONYMOUS:
        return facts.receipt_rating
    return facts.rating


def stamp(team: Team, at: datetime) -> datetime:
    """When to say something changed: only the day in anonymous teams, so no click is timed."""
    if team.anonymity is not Anonymity.ANONYMOUS:
        return at
    utc = at.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, tzinfo=UTC)


def first_rating(
    facts: AnswerFacts, answer: Answer, *, random_id: int | None = None
) -> NewRating:
    """The first rating of a prompt as stored: an anonymous one carries no link and no time,
    and its id is `random_id` (`anonymity.random_rating_id`), not the next in a sequence."""
    if not answer.new_receipt:
        raise ValueError("a first rating needs a new receipt")
    team = facts.team
    anonymous = team.anonymity is Anonymity.ANONYMOUS
    when = stamp(team, answer.at)
    return NewRating(
        team_id=team.id,
        prompt_id=None if anonymous else facts.prompt.id,
        person_id=None if anonymous else facts.prompt.person_id,
        agent_id=None if anonymous or facts.agent is None else facts.agent.id,
        scale=team.scale,
        score=answer.score,
        category=team.scale.classify(answer.score),
        receipt=answer.new_receipt,
        rated_at=when,
        updated_at=when,
        id=random_id if anonymous else None,
    )


@dataclass(frozen=True, slots=True)
class Answered:
    """How the prompt records that it was answered."""

    answered_at: datetime
    updated_at: datetime


def prompt_answered(team: Team, at: datetime) -> Answered | None:
    """None in anonymous teams: the prompt keeps no trace of being answered, which would
    say whose it is (the digest counts answers per day instead, `anonymity`)."""
    if team.anonymity is Anonymity.ANONYMOUS:
        return None
    return Answered(answered_at=at, updated_at=at)


def rating_change(existing: Rating, team: Team, answer: Answer) -> RatingChange:
    """What a later click changes in a stored rating; nothing for a replayed click."""
    # The scale it was given on counts, even if the team changed its scale since.
    category = existing.scale.classify(answer.score)
    changed = existing.score != answer.score
    new_receipt = None
    if answer.receipt is None and answer.new_receipt and team.anonymity is not Anonymity.ANONYMOUS:
        # The click carried no receipt: the one returned now must find the rating again.
        new_receipt = answer.new_receipt
    if not changed:
        return RatingChange(receipt=new_receipt)
    return RatingChange(
        score=answer.score,
        category=category,
        receipt=new_receipt,
        updated_at=stamp(team, answer.at),
    )


def follow_up_opens(category: Category) -> bool:
    """A detractor opens the loop (principle 6); the store keeps one per rating."""
    return category is Category.DETRACTOR


def redrawn(facts: AnswerFacts) -> RatingPrompt | None:
    """The message to redraw after the click; None once the person was forgotten."""
    if facts.recipient is None:
        return None
    return rating_prompt(
        facts.prompt, facts.team, facts.recipient,
        agent=facts.agent, subject=facts.subject, ticket_id=facts.ticket_id,
    )


def new_alert(facts: AnswerFacts, follow_up_id: int, rating: Rating, at: datetime) -> NewAlert:
    """The alert a just-opened follow-up posts, drafted from the facts the click read."""
    follow_up = FollowUp(
        id=follow_up_id, rating_id=rating.id, team_id=facts.team.id, status=FollowUpStatus.OPEN,
        created_at=stamp(facts.team, at),
    )
    alert = detractor_alert(AlertFacts(
        follow_up=follow_up, team=facts.team, rating=rating, agent=facts.agent,
        requester=None if rating.person_id is None else facts.recipient,
        subject=facts.subject, ticket_id=facts.ticket_id,
    ))
    return NewAlert(alert=alert, team=facts.team)
