"""A tap on a mutual rating check: store the agent's answer apart and say what shows.

The first tap stores a new answer under a fresh receipt, which the redrawn buttons carry;
later taps change that answer through it, until the check expires. What is stored, and
why it names nobody, is said in `storage.request_checks`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

from bot.domain.anonymity import day_of, random_rating_id
from bot.domain.errors import InvalidValue
from bot.domain.identity import PersonIdentity
from bot.domain.request_checks import (
    Clarity,
    Reach,
    RequestCheck,
    answered_marker,
    parse_answer,
    receipt_hash,
)
from bot.domain.texts import text
from bot.flows.interactions.people import known, reader_locale
from bot.flows.request_checks import check_locale, shown_check
from bot.ports.store.request_checks import Answered
from bot.services import Services

NOT_OURS = "That button is not one of ratebot's."


@dataclass(frozen=True, slots=True)
class CheckView:
    """The check redrawn (`check`), or a word to the tapper alone (`notice`)."""

    locale: str
    check: RequestCheck | None = None
    notice: str | None = None


async def answer_check(
    services: Services, check_id: int, who: PersonIdentity, question: str, value: str,
    receipt: str | None, *, replay: bool = False,
) -> CheckView:
    """Record the agent's answer to one question of the check (or change it); `replay`
    (a tap delivered again) records nothing and redraws what is stored."""
    try:
        answer = parse_answer(question, value)
    except ValueError:
        raise InvalidValue(NOT_OURS) from None
    facts = await services.store.request_check(check_id)
    clicker = await known(services, who)
    if facts is None or clicker is None or clicker.id != facts.agent.id:
        # Gone: the agent was forgotten, or the conversation removed by retention.
        locale = reader_locale(services, who, clicker)
        key = "mutual.gone" if facts is None else "mutual.not_yours"
        return CheckView(locale, notice=text(key, locale))
    locale = check_locale(services, facts)
    now = services.clock.now()
    shown = shown_check(services, facts, facts.expires_at or now)
    if facts.expires_at is None or now >= facts.expires_at:
        return CheckView(locale, replace(shown, notice=text("mutual.expired", locale)))
    store = services.store
    if receipt is None:
        if replay:
            return CheckView(locale, notice=text("mutual.answered", locale))
        receipt = secrets.token_urlsafe(18)
        first = await store.record_request_answer(
            marker=answered_marker(services.policy.anonymity_key, check_id),
            answer_id=random_rating_id(services.rng), team_id=facts.team.id, day=day_of(now),
            receipt_hash=receipt_hash(receipt), answer=answer,
        )
        if not first:  # two first taps at once, or one delivered again
            return CheckView(locale, notice=text("mutual.answered", locale))
        answered: Answered | None = Answered(
            answer if isinstance(answer, Clarity) else None,
            answer if isinstance(answer, Reach) else None,
        )
    else:
        answered = await store.change_request_answer(
            team_id=facts.team.id, receipt_hash=receipt_hash(receipt),
            answer=None if replay else answer,
        )
    if answered is None:
        return CheckView(locale, notice=text("mutual.gone", locale))
    return CheckView(locale, replace(shown, clarity=answered.clarity, reach=answered.reach,
                                     receipt=receipt))
