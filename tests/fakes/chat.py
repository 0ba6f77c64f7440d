"""A test chat platform: records what the core sends and fails on request."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.ports import (
    ChannelMessage,
    DeliveryError,
    PromptUpdate,
    RatingPrompt,
    RecipientUnreachable,
)


@dataclass
class FakeChat:
    platform: str = "test"
    sent: list[RatingPrompt] = field(default_factory=list)
    updates: list[tuple[str, PromptUpdate]] = field(default_factory=list)
    posts: list[tuple[str, ChannelMessage]] = field(default_factory=list)
    unknown_emails: set[str] = field(default_factory=set)
    _failures: list[DeliveryError] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, *errors: DeliveryError) -> None:
        """The next sends raise these errors, in order."""
        self._failures.extend(errors)

    def sent_to(self, email: str) -> list[RatingPrompt]:
        return [p for p in self.sent if p.recipient.email == email]

    async def send_prompt(self, prompt: RatingPrompt) -> str:
        if prompt.recipient.email in self.unknown_emails:
            raise RecipientUnreachable("the ratebot app is not installed for this person")
        if self._failures:
            raise self._failures.pop(0)
        self.sent.append(prompt)
        return f"{self.platform}-msg-{next(self._ids)}"

    async def update_prompt(self, message_ref: str, update: PromptUpdate) -> None:
        self.updates.append((message_ref, update))

    async def post_message(self, channel: str, message: ChannelMessage) -> str:
        self.posts.append((channel, message))
        return f"{self.platform}-post-{next(self._ids)}"
