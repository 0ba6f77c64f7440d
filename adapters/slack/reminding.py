"""`ChatPort.send_reminder` for `SlackChat`: the prompt again, at the bottom of the DM.

Kept apart from `adapters.slack.outbound` so that module stays within its size.
"""

from __future__ import annotations

from typing import Protocol

from adapters.slack.render import Message, reminder_message
from bot.domain.messages import RatingPrompt
from bot.domain.model import Person


class _Poster(Protocol):
    def locale_of(self, person: Person | None) -> str: ...

    async def post(self, channel: str, message: Message) -> str: ...


class SlackReminders:
    """Posts a fresh copy of the prompt, buttons and all, under a reminder line.

    Chosen over a reply in the prompt's thread: in a DM a thread reply shows as "1 reply"
    under a message two days up, while a new message is where the person looks, and its
    buttons record the same prompt.
    """

    async def send_reminder(self: _Poster, prompt: RatingPrompt, message_ref: str) -> str:
        # The prompt's reference is "<DM channel>:<ts>": the reminder goes to that DM.
        channel = message_ref.partition(":")[0]
        return await self.post(channel, reminder_message(prompt, self.locale_of(prompt.recipient)))
