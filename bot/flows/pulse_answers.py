"""A click or a comment on a relationship pulse's prompt: stored in `pulse_answers`, apart
from ratings (bot.flows.pulse), inside the recording flow's own transaction.

The answer is checked by the rating rules (only the recipient, an open prompt, a score on
the pulse's 0-10 scale, a replayed anonymous first click refused) and anonymity holds as
for ratings: in an anonymous team the answer keeps no prompt, no person and only the day,
under a random id. A pulse answer opens no follow-up and alerts nobody.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime

from bot.domain.anonymity import answered_marker, random_rating_id
from bot.domain.answers import Answer, AnswerContext, AnswerFacts, CommentResult, RatingResult
from bot.domain.errors import NotFound
from bot.domain.model import Anonymity, Rating
from bot.domain.pulse import SCALE, PulseAnswer
from bot.domain.rating_rules import check_answer, check_recipient, prompt_answered, redrawn, stamp
from bot.ports.store import Store

_IDS = random.SystemRandom()


def _anonymous(facts: AnswerFacts) -> bool:
    return facts.team.anonymity is Anonymity.ANONYMOUS


async def _existing(tx: Store, facts: AnswerFacts, receipt: str | None) -> PulseAnswer | None:
    """The prompt's answer; in anonymous teams only the click's receipt can find it."""
    pulse_id = facts.prompt.pulse_id
    if _anonymous(facts):
        return await tx.pulse_answer(pulse_id=pulse_id, receipt=receipt)
    return await tx.pulse_answer(prompt_id=facts.prompt.id)


def _shown(answer: PulseAnswer, facts: AnswerFacts) -> Rating:
    """The answer in the shape the prompt's redraw reads; it is never stored as a rating."""
    return Rating(
        id=answer.id, team_id=facts.team.id, prompt_id=answer.prompt_id,
        person_id=answer.person_id, agent_id=None, scale=SCALE, score=answer.score,
        comment=answer.comment, rated_at=answer.answered_at,
    )


async def record(
    tx: Store, facts: AnswerFacts, answer: Answer, *, anonymity_key: str
) -> RatingResult:
    """Record (or change) the answer to a pulse prompt; `recording.record_answer`'s branch."""
    assert facts.prompt.pulse_id is not None
    existing = await _existing(tx, facts, answer.receipt)
    marker = answered_marker(anonymity_key, facts.prompt.id) if _anonymous(facts) else None
    replayed = marker is not None and existing is None and await tx.was_answered(marker)
    context = AnswerContext(
        prompt=facts.prompt, team=replace(facts.team, scale=SCALE), recipient=facts.recipient,
        clicker=facts.clicker, existing=None if existing is None else _shown(existing, facts),
    )
    check_answer(context, answer, answered_before=replayed)
    when = stamp(facts.team, answer.at)
    category = SCALE.classify(answer.score)
    created = False
    if existing is None:
        existing = await _first(tx, facts, answer, marker, when)
        created = existing is not None
        if existing is None:  # a concurrent first click stored it first: change that one
            existing = await tx.pulse_answer(prompt_id=facts.prompt.id)
            assert existing is not None
    was = existing.score
    if not created and was != answer.score:
        existing = await tx.change_pulse_answer(
            existing.id, at=when, score=answer.score, category=category)
    return RatingResult(
        rating=_shown(existing, facts), category=category, created=created,
        changed=created or was != answer.score,
        receipt=answer.receipt or answer.new_receipt, follow_up_id=None,
        prompt=redrawn(facts), pulse=True,
    )


async def _first(
    tx: Store, facts: AnswerFacts, answer: Answer, marker: str | None, when: datetime
) -> PulseAnswer | None:
    anonymous = marker is not None
    pulse_id = facts.prompt.pulse_id
    assert pulse_id is not None
    stored = await tx.insert_pulse_answer(
        answer_id=random_rating_id(_IDS) if anonymous else None, pulse_id=pulse_id,
        prompt_id=None if anonymous else facts.prompt.id,
        person_id=None if anonymous else facts.prompt.person_id,
        score=answer.score, category=SCALE.classify(answer.score),
        receipt=answer.new_receipt, at=when,
    )
    if stored is None:
        return None
    answered = prompt_answered(facts.team, answer.at)
    if answered is not None:
        await tx.mark_prompt_answered(
            facts.prompt.id, answered_at=answered.answered_at, updated_at=answered.updated_at)
    if marker is not None:
        # Like an anonymous rating: only the keyed marker remembers the prompt was answered.
        await tx.mark_answered(marker, when.date())
    return stored


async def comment(
    tx: Store, facts: AnswerFacts, receipt: str | None, text: str, *, at: datetime
) -> CommentResult:
    """Attach the optional comment to the pulse answer; `recording.comment_on`'s branch."""
    existing = await _existing(tx, facts, receipt)
    if existing is None:
        raise NotFound("There is no rating to comment on yet: choose a score first.")
    check_recipient(AnswerContext(facts.prompt, facts.team, facts.recipient, facts.clicker,
                                  existing=None))
    changed = await tx.change_pulse_answer(existing.id, at=stamp(facts.team, at), comment=text)
    return CommentResult(rating=_shown(changed, facts), prompt=redrawn(facts), alert=None)


async def release_batch(tx: Store, rng: random.Random) -> int:
    """The nightly batch for anonymous pulse answers, as for anonymous ratings
    (`bot.domain.anonymity`): each day's are rewritten in random order under new random
    ids. A pulse is reported whole once it closes, so no day waits for more answers."""
    held = await tx.held_pulse_answers()
    rng.shuffle(held)
    await tx.rewrite_pulse_answers([(old, random_rating_id(rng)) for old in held])
    return len(held)
