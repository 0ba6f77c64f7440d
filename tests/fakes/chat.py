"""A test chat platform: records what the core sends and fails on request."""

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
from bot.ports.chat import (
    DeliveryError,
    RecipientUnreachable,
    SendBegins,
    TransientDeliveryError,
)


@dataclass
class FakeChat:
    platform: str = "test"
    sent: list[RatingPrompt] = field(default_factory=list)
    updates: list[tuple[str, PromptUpdate]] = field(default_factory=list)
    posts: list[tuple[str, ChannelMessage]] = field(default_factory=list)
    alert_updates: list[tuple[str, DetractorAlert]] = field(default_factory=list)
    directs: list[tuple[Person, TextMessage]] = field(default_factory=list)
    unknown_emails: set[str] = field(default_factory=set)
    arrived: dict[int, str] = field(default_factory=dict)  # prompt id -> message reference
    lookups: list[int] = field(default_factory=list)  # prompts asked about by `find_prompt`
    can_find: bool = True  # False: like a platform that cannot say what arrived
    reminders: list[tuple[RatingPrompt, str]] = field(default_factory=list)  # (prompt, ref)
    fail_reminders: bool = False  # True: `send_reminder` fails, as a platform outage would
    checks: list[RequestCheck] = field(default_factory=list)  # mutual rating's questions
    check_failures: list[DeliveryError] = field(default_factory=list)  # raised in order
    _failures: list[DeliveryError] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, *errors: DeliveryError) -> None:
        """The next sends raise these errors, in order."""
        self._failures.extend(errors)

    def sent_to(self, email: str) -> list[RatingPrompt]:
        return [p for p in self.sent if p.recipient.email == email]

    async def send_prompt(
        self, prompt: RatingPrompt, *, begin: SendBegins | None = None
    ) -> str:
        if prompt.recipient.email in self.unknown_emails:
            raise RecipientUnreachable("the ratebot app is not installed for this person")
        if begin is not None:
            await begin()
        failure = self._failures.pop(0) if self._failures else None
        if failure is not None and not failure.in_doubt:
            raise failure
        self.sent.append(prompt)  # a failure in doubt arrived, but its answer was lost
        ref = f"{self.platform}-msg-{next(self._ids)}"
        self.arrived[prompt.prompt_id] = ref
        if failure is not None:
            raise failure
        return ref

    async def find_prompt(self, prompt: RatingPrompt, *, since: datetime) -> str | None:
        self.lookups.append(prompt.prompt_id)
        return self.arrived.get(prompt.prompt_id) if self.can_find else None

    async def update_prompt(self, message_ref: str, update: PromptUpdate) -> None:
        self.updates.append((message_ref, update))

    async def post_message(self, channel: str, message: ChannelMessage) -> str:
        self.posts.append((channel, message))
        return f"{self.platform}-post-{next(self._ids)}"

    async def update_alert(self, ref: str, alert: DetractorAlert) -> None:
        self.alert_updates.append((ref, alert))

    async def send_direct(self, person: Person, message: TextMessage) -> str:
        if person.email in self.unknown_emails:
            raise RecipientUnreachable("the ratebot app is not installed for this person")
        if self._failures:
            raise self._failures.pop(0)
        self.directs.append((person, message))
        return f"{self.platform}-direct-{next(self._ids)}"

    def directs_to(self, email: str) -> list[str]:
        """The texts sent privately to this person, in order."""
        return [m.text for p, m in self.directs if p.email == email]

    async def send_reminder(self, prompt: RatingPrompt, message_ref: str) -> str:
        if self.fail_reminders:
            raise TransientDeliveryError("the test platform is down")
        self.reminders.append((prompt, message_ref))
        return f"{self.platform}-reminder-{next(self._ids)}"

    async def send_request_check(self, check: RequestCheck) -> str:
        if check.agent.email in self.unknown_emails:
            raise RecipientUnreachable("the ratebot app is not installed for this person")
        if self.check_failures:
            raise self.check_failures.pop(0)
        self.checks.append(check)
        return f"{self.platform}-check-{next(self._ids)}"
