"""Mutual rating on Slack: the check as Block Kit, and a tap on it, redrawn in place.

Kept apart from `render` and `handlers` so those stay within their size; `app` routes the
`mutual.*` actions here and `direct` sends the message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adapters.slack import inbound
from adapters.slack.escape import escape
from adapters.slack.render import (
    Block,
    Message,
    _button,
    _context,
    _section,
    plain_message,
    slack_date,
)
from bot.domain.identity import PersonIdentity
from bot.domain.request_checks import CLARITY, REACH, Clarity, Reach, RequestCheck
from bot.domain.texts import text
from bot.flows.interactions.checking_requests import answer_check

if TYPE_CHECKING:
    from adapters.slack.handlers import SlackHandlers

CHECK_ACTION = "mutual."  # + question + "." + answer: unique within the message
_CHOICES: dict[str, tuple[Clarity | Reach, ...]] = {CLARITY: tuple(Clarity), REACH: tuple(Reach)}


@dataclass(frozen=True, slots=True)
class CheckValue:
    """What an answer button carries: the check, the answer, and the answer's receipt."""

    check_id: int
    question: str
    answer: str
    receipt: str | None = None

    def encode(self) -> str:
        return f"{self.check_id}:{self.question}:{self.answer}:{self.receipt or ''}"

    @classmethod
    def decode(cls, value: str) -> CheckValue:
        """Raise ValueError for anything that is not a value this module wrote."""
        check, question, answer, receipt = value.split(":", 3)
        return cls(int(check), question, answer, receipt or None)


def check_message(check: RequestCheck) -> Message:
    """The question with its one-tap answers, the chosen ones marked; or a notice instead."""
    locale, team = check.locale, escape(check.team_display_name)
    intro = (text("mutual.closed_about", locale, subject=escape(check.subject), team=team)
             if check.subject else text("mutual.closed", locale, team=team))
    question = text("mutual.question", locale)
    fallback = escape(text("mutual.fallback", locale, team=check.team_display_name))
    blocks: list[Block] = [_section(intro), _section(f"*{escape(question)}*")]
    if check.notice is not None:
        blocks.append(_context(escape(check.notice)))
        return Message(fallback, blocks)
    for question_key, label, chosen in ((CLARITY, "mutual.clarity", check.clarity),
                                        (REACH, "mutual.reach", check.reach)):
        blocks.append(_section(text(label, locale)))
        blocks.append({"type": "actions", "block_id": f"mutual_{question_key}", "elements": [
            _button(text(f"mutual.{choice.value}", locale),
                    f"{CHECK_ACTION}{question_key}.{choice.value}",
                    CheckValue(check.check_id, question_key, choice.value,
                               check.receipt).encode(),
                    "primary" if choice == chosen else None)
            for choice in _CHOICES[question_key]
        ]})
    if check.clarity is not None or check.reach is not None:
        blocks.append(_context(text("mutual.thanks", locale)))
    until = text("mutual.until", locale, date=slack_date(check.expires_at))
    blocks.append(_context(text("mutual.private", locale), until))
    return Message(fallback, blocks)


async def tapped(
    handlers: SlackHandlers, ack: Callable[[], Awaitable[object]], body: dict[str, Any]
) -> None:
    """An answer button: stored, acknowledged, then the message redrawn, or a word to the
    tapper alone. Slack hears its 200 only once the answer is committed."""
    try:
        where = inbound._where(body)
        value = CheckValue.decode(inbound._action_value(body))
    except (ValueError, inbound.BadPayload):
        await ack()  # nothing to store, and sending it again would not help
        raise inbound.BadPayload("not a request check button") from None
    view = await answer_check(handlers.services, value.check_id,
                              PersonIdentity(slack_user_id=where.user_id),
                              value.question, value.answer, value.receipt)
    await ack()
    if view.check is not None:
        await handlers.chat.update(where.channel, where.ts, check_message(view.check))
    if view.notice is not None:
        await handlers.chat.ephemeral(where.channel, where.user_id, plain_message(view.notice))
