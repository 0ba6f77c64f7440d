"""Taps on the questions after the score: record what the button sets, redraw the prompt."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from adapters.slack import inbound
from adapters.slack.after_score import LOST_ACTION, REASON_ACTION, Tap
from adapters.slack.render import plain_message, prompt_message
from bot.domain.identity import PersonIdentity
from bot.flows.interactions import after_score
from bot.flows.interactions.views import PromptView

if TYPE_CHECKING:
    from adapters.slack.handlers import SlackHandlers

Payload = dict[str, Any]



# The reason and lost-time buttons' action ids.
TAPS = re.compile("^(" + re.escape(REASON_ACTION) + "|" + re.escape(LOST_ACTION) + ")")


async def tapped(
    handlers: SlackHandlers, ack: Callable[..., Awaitable[Any]], body: Payload
) -> None:
    """A reason or lost-time button: record what it sets, acknowledge (Slack does not send
    a tap again, so not before it is stored), then redraw the prompt."""
    try:
        where, value = inbound.button(body)
        tap = Tap.decode(value)
    except (ValueError, inbound.BadPayload):
        await ack()  # nothing to store, and sending it again would not help
        raise inbound.BadPayload("not an after-score button") from None
    who = PersonIdentity(slack_user_id=where.user_id)
    action_id = str(((body.get("actions") or [{}])[0]).get("action_id", ""))
    if action_id.startswith(LOST_ACTION):
        view = await after_score.answer_lost_time(
            handlers.services, tap.prompt_id, who, tap.answer, tap.receipt)
    else:
        view = await after_score.choose_reason(
            handlers.services, tap.prompt_id, who, tap.answer, tap.receipt, on=tap.on)
    await ack()
    await _show(handlers, where, view)


async def _show(handlers: SlackHandlers, where: inbound.Where, view: PromptView) -> None:
    if view.update is not None:
        message = prompt_message(view.update.prompt, view.locale, view.update)
        await handlers.chat.update(where.channel, where.ts, message)
    if view.notice is not None:
        await handlers.chat.ephemeral(where.channel, where.user_id, plain_message(view.notice))
