"""Slack's questions after the score: the reason buttons and the lost-time buttons.

Drawn in the prompt message under the thanks once a score is in, redrawn after each tap
(`adapters.slack.after_score_taps`). A button carries the state it sets (this reason on,
or off; this bucket), so a tap Slack delivers twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.slack.escape import escape
from bot.domain.messages import PromptUpdate
from bot.domain.reason_words import reason_label
from bot.domain.reasons import LostTime, in_prompt_order, offered, side_of
from bot.domain.texts import text

Block = dict[str, Any]
REASON_ACTION = "after.reason:"  # + the button's place: action ids are unique in a block
LOST_ACTION = "after.lost:"  # + the bucket
REASONS_BLOCK, LOST_BLOCK = "after_reasons", "after_lost"
CHOSEN = "✓ "


@dataclass(frozen=True, slots=True)
class Tap:
    """What an after-score button carries: which prompt, the receipt, what it sets."""

    prompt_id: int
    receipt: str | None
    on: bool  # a reason: chosen (True) or dropped; always True for a lost-time bucket
    answer: str  # the reason's key, or the lost-time bucket

    def encode(self) -> str:
        return f"{self.prompt_id}:{int(self.on)}:{self.receipt or ''}:{self.answer}"

    @classmethod
    def decode(cls, value: str) -> Tap:
        """Raise ValueError for anything that is not a value this module wrote."""
        prompt, on, receipt, answer = value.split(":", 3)
        if on not in ("0", "1") or not answer:
            raise ValueError("not an after-score value")
        return cls(int(prompt), receipt or None, on == "1", answer)


def blocks(update: PromptUpdate, locale: str) -> list[Block]:
    """The questions after the score that the prompt's team asks, as the person answered."""
    prompt, found = update.prompt, list[Block]()
    if update.score is None:
        return []
    category = prompt.scale.classify(update.score)
    keys = in_prompt_order(offered(prompt.reasons, category), prompt.prompt_id)
    chosen = set(update.after.reasons)
    if keys:
        found.append(_context(text(f"after.reasons.{side_of(category).value}", locale)))
        found.append({"type": "actions", "block_id": REASONS_BLOCK, "elements": [
            _button(reason_label(key, locale), f"{REASON_ACTION}{index}",
                    Tap(prompt.prompt_id, update.receipt, key not in chosen, key),
                    key in chosen)
            for index, key in enumerate(keys)
        ]})
    if prompt.lost_time:
        found.append(_context(text("after.lost_time", locale)))
        found.append({"type": "actions", "block_id": LOST_BLOCK, "elements": [
            _button(text(f"lost.{bucket.value}", locale), f"{LOST_ACTION}{bucket.value}",
                    Tap(prompt.prompt_id, update.receipt, True, bucket.value),
                    bucket is update.after.lost_time)
            for bucket in LostTime
        ]})
    return found


def _context(words: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(words)}]}


def _button(label: str, action_id: str, tap: Tap, chosen: bool) -> Block:
    button: Block = {
        "type": "button", "action_id": action_id, "value": tap.encode(),
        "text": {"type": "plain_text", "text": (CHOSEN if chosen else "") + label,
                 "emoji": True},
    }
    if chosen:
        button["style"] = "primary"
    return button
