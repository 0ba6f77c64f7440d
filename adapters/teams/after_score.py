"""Teams' questions after the score: reason buttons and lost-time buttons, and their taps.

Shown in the card once a score is in; each tap is answered with the card redrawn in the
invoke response. A button carries the state it sets (this reason on, or off; this
bucket), so a tap Teams delivers again changes nothing the second time.
"""

from __future__ import annotations

from typing import Any

from adapters.teams import render
from adapters.teams.cards import Card, text_block
from adapters.teams.escape import escape
from adapters.teams.inbound import CardAction
from bot.domain.errors import InvalidValue
from bot.domain.identity import PersonIdentity
from bot.domain.messages import PromptUpdate
from bot.domain.reason_words import reason_label
from bot.domain.reasons import LostTime, in_prompt_order, offered, side_of
from bot.domain.texts import text
from bot.flows.interactions import after_score
from bot.services import Services

REASON, LOST = "reason", "lost"
VERBS = (REASON, LOST)
CHOSEN = "✓ "
BUTTONS_PER_ROW = 3  # reason labels are words, not digits: three fit side by side
NOT_OURS = "That button is not one of ratebot's."


def rows(update: PromptUpdate, locale: str) -> list[Card]:
    """The questions after the score that the prompt's team asks, as the person answered."""
    prompt = update.prompt
    if update.score is None:
        return []
    data: dict[str, Any] = {"prompt": prompt.prompt_id}
    if update.receipt:
        data["receipt"] = update.receipt
    category = prompt.scale.classify(update.score)
    keys = in_prompt_order(offered(prompt.reasons, category), prompt.prompt_id)
    chosen = set(update.after.reasons)
    found: list[Card] = []
    if keys:
        found.append(_heading(text(f"after.reasons.{side_of(category).value}", locale)))
        found += _sets([
            _button(REASON, reason_label(key, locale),
                    {**data, "reason": key, "on": key not in chosen}, key in chosen)
            for key in keys
        ])
    if prompt.lost_time:
        found.append(_heading(text("after.lost_time", locale)))
        found += _sets([
            _button(LOST, text(f"lost.{bucket.value}", locale), {**data, "lost": bucket.value},
                    bucket is update.after.lost_time)
            for bucket in LostTime
        ])
    return found


def _heading(words: str) -> Card:
    return text_block(escape(words), weight="Bolder", spacing="Medium")


def _button(verb: str, label: str, data: dict[str, Any], chosen: bool) -> Card:
    style = {"style": "positive"} if chosen else {}
    return render.action(verb, (CHOSEN if chosen else "") + label, data, **style)


def _sets(buttons: list[Card]) -> list[Card]:
    return [{"type": "ActionSet", "actions": buttons[start:start + BUTTONS_PER_ROW]}
            for start in range(0, len(buttons), BUTTONS_PER_ROW)]


async def tapped(services: Services, action: CardAction, sender: PersonIdentity) -> Card:
    """A reason or lost-time button: record what it sets; the card redrawn, or a refusal."""
    prompt_id, receipt = action.integer("prompt"), action.string("receipt")
    if prompt_id is None:
        raise InvalidValue(NOT_OURS)
    if action.verb == LOST:
        bucket = action.string("lost")
        if bucket is None:
            raise InvalidValue(NOT_OURS)
        view = await after_score.answer_lost_time(services, prompt_id, sender, bucket, receipt)
    else:
        key, on = action.string("reason"), action.data.get("on")
        if key is None or not isinstance(on, bool):
            raise InvalidValue(NOT_OURS)
        view = await after_score.choose_reason(services, prompt_id, sender, key, receipt, on=on)
    if view.update is None or view.update.notice is not None:
        return render.answer_card(view)
    return render.prompt_update_card(view.update, view.locale)
