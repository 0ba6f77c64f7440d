"""The demo's platform: a clock it moves itself and a chat that only records what it sends."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.messages import (
    ChannelMessage,
    DetractorAlert,
    PromptUpdate,
    RatingPrompt,
    TextMessage,
)
from bot.domain.model import Person
from bot.domain.request_checks import RequestCheck
from bot.ports.chat import SendBegins


class DemoClock:
    """Simulated time; the demo moves it from event to event."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment


@dataclass
class DemoChat:
    """A chat platform that only records what it was asked to send."""

    platform: str = "demo"
    sent: list[RatingPrompt] = field(default_factory=list)
    updates: list[tuple[str, PromptUpdate]] = field(default_factory=list)
    posts: list[tuple[str, ChannelMessage]] = field(default_factory=list)
    alert_updates: list[tuple[str, DetractorAlert]] = field(default_factory=list)
    directs: list[tuple[Person, TextMessage]] = field(default_factory=list)
    reminders: list[RatingPrompt] = field(default_factory=list)
    checks: list[RequestCheck] = field(default_factory=list)  # mutual rating's, to agents
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send_prompt(
        self, prompt: RatingPrompt, *, begin: SendBegins | None = None
    ) -> str:
        if begin is not None:
            await begin()
        self.sent.append(prompt)
        return f"demo-{next(self._ids)}"

    async def find_prompt(self, prompt: RatingPrompt, *, since: datetime) -> str | None:
        return None  # nothing is ever in doubt in a demo: it runs in one process

    async def send_reminder(self, prompt: RatingPrompt, message_ref: str) -> str:
        self.reminders.append(prompt)
        return f"demo-reminder-{next(self._ids)}"

    async def update_prompt(self, message_ref: str, update: PromptUpdate) -> None:
        self.updates.append((message_ref, update))

    async def post_message(self, channel: str, message: ChannelMessage) -> str:
        self.posts.append((channel, message))
        return f"demo-post-{next(self._ids)}"

    async def update_alert(self, ref: str, alert: DetractorAlert) -> None:
        self.alert_updates.append((ref, alert))

    async def send_direct(self, person: Person, message: TextMessage) -> str:
        self.directs.append((person, message))
        return f"demo-direct-{next(self._ids)}"

    async def send_request_check(self, check: RequestCheck) -> str:
        self.checks.append(check)
        return f"demo-check-{next(self._ids)}"
