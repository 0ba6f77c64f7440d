"""Mutual rating on Teams: the check as an Adaptive Card, and a tap on it.

A tap is answered with the card redrawn (the handlers replace the tapped card with it),
or with a notice card for the tapper. Kept apart from `render` and `handlers` so those
stay within their size; `handlers.click` routes the `mutual` verb here.
"""

from __future__ import annotations

from typing import Any

from adapters.teams.cards import Card, card, text_block
from adapters.teams.escape import escape, notice, say
from adapters.teams.inbound import CardAction
from adapters.teams.render import action, card_date, notice_card
from bot.domain.errors import InvalidValue
from bot.domain.identity import PersonIdentity
from bot.domain.request_checks import CLARITY, REACH, Clarity, Reach, RequestCheck
from bot.domain.texts import text
from bot.flows.interactions.checking_requests import NOT_OURS, answer_check
from bot.services import Services

VERB = "mutual"
_CHOICES: dict[str, tuple[Clarity | Reach, ...]] = {CLARITY: tuple(Clarity), REACH: tuple(Reach)}


def check_card(check: RequestCheck) -> Card:
    """The question with its one-tap answers, the chosen ones marked; or a notice instead."""
    locale = check.locale
    if check.subject:
        intro = say("mutual.closed_about", locale, subject=check.subject,
                    team=check.team_display_name)
    else:
        intro = say("mutual.closed", locale, team=check.team_display_name)
    body: list[Card] = [
        text_block(intro),
        text_block(escape(text("mutual.question", locale)), weight="Bolder", size="Medium"),
    ]
    if check.notice is not None:
        return card(*body, text_block(notice(check.notice)))
    for question, label, chosen in ((CLARITY, "mutual.clarity", check.clarity),
                                    (REACH, "mutual.reach", check.reach)):
        body.append(text_block(escape(text(label, locale))))
        body.append({"type": "ActionSet", "actions": [
            action(VERB, text(f"mutual.{choice.value}", locale),
                   _data(check, question, choice.value),
                   **({"style": "positive"} if choice == chosen else {}))
            for choice in _CHOICES[question]
        ]})
    if check.clarity is not None or check.reach is not None:
        body.append(text_block(escape(text("mutual.thanks", locale))))
    body.append(text_block(escape(text("mutual.private", locale)), isSubtle=True, size="Small"))
    body.append(text_block(say("mutual.until", locale,
                               trusted={"date": card_date(check.expires_at)}),
                           isSubtle=True, size="Small"))
    return card(*body)


def _data(check: RequestCheck, question: str, answer: str) -> dict[str, Any]:
    data: dict[str, Any] = {"check": check.check_id, "question": question, "answer": answer}
    if check.receipt:
        data["receipt"] = check.receipt
    return data


async def tapped(services: Services, tap: CardAction, sender: PersonIdentity, *,
                 replay: bool) -> Card:
    """The card that replaces the tapped one; a tap delivered again records nothing."""
    check_id = tap.integer("check")
    question, answer = tap.string("question"), tap.string("answer")
    if check_id is None or question is None or answer is None:
        raise InvalidValue(NOT_OURS)
    view = await answer_check(services, check_id, sender, question, answer,
                              tap.string("receipt"), replay=replay)
    if view.check is None:
        return notice_card(view.notice or "")
    return check_card(view.check)
