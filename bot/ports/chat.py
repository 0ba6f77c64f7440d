"""A chat platform, as the core sees it, and how its calls fail.

Adapters implement `ChatPort`. What crosses the boundary is plain frozen data from
`bot.domain.messages`: no SDK objects.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from bot.domain.messages import (
    ChannelMessage,
    DetractorAlert,
    PromptUpdate,
    RatingPrompt,
    TextMessage,
)
from bot.domain.model import Person
from bot.domain.request_checks import RequestCheck


class DeliveryError(Exception):
    """A platform call failed. `transient` errors are retried with backoff."""

    transient: bool = False

    def __init__(
        self, reason: str, *, retry_after: float | None = None, in_doubt: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after  # seconds, when the platform said (Retry-After)
        # The call may have reached the platform all the same (a time-out, a dropped
        # connection): before trying again, ask whether it arrived.
        self.in_doubt = in_doubt


class TransientDeliveryError(DeliveryError):
    transient = True


class RateLimited(TransientDeliveryError):
    """The platform asked to slow down: nothing was sent, and no attempt is counted.

    The whole window (`retry_after`) is kept by every sender of the process and, through
    the store, of every replica.
    """


class AwaitingRecipient(TransientDeliveryError):
    """The person cannot be reached yet (no chat with the bot so far, not yet listed in the
    platform's directory): nothing was sent, no attempt is counted, and the prompt waits,
    pending, to look again after `retry_after`. Not the platform's "slow down": no window
    is kept for other senders."""


class ClaimLost(Exception):
    """The prompt's claim went to another worker before it could be sent: leave it."""


class PermanentDeliveryError(DeliveryError):
    transient = False


class RecipientUnreachable(PermanentDeliveryError):
    """This platform does not know the person; another platform may."""



SendBegins = Callable[[], Awaitable[None]]


class ChatPort(Protocol):
    """A chat platform, as the core sees it."""

    platform: str  # "slack", "teams", "test"

    async def send_prompt(
        self, prompt: RatingPrompt, *, begin: SendBegins | None = None
    ) -> str:
        """Deliver the question to the recipient; return the platform's message reference.

        Everything that can be done before (finding the person, opening the chat) is done
        first; then `begin()` is awaited right before the one call that delivers, so the
        time in which a crash leaves the delivery in doubt is that call alone. `begin`
        raises `ClaimLost` when the prompt must not be sent after all.
        """
        ...

    async def find_prompt(self, prompt: RatingPrompt, *, since: datetime) -> str | None:
        """The reference of this prompt's message if an earlier send of it arrived.

        None when it did not arrive, or when the platform cannot tell (then the prompt
        is sent again: at least once).
        """
        ...

    async def update_prompt(self, message_ref: str, update: PromptUpdate) -> None:
        """Re-render a sent prompt in place."""
        ...

    async def post_message(self, channel: str, message: ChannelMessage) -> str:
        """Post to a channel (a platform channel reference); return the message reference."""
        ...

    async def update_alert(self, ref: str, alert: DetractorAlert) -> None:
        """Re-render a detractor alert this platform posted (`ref` from `post_message`).

        After a claim, a resolution or a late comment. A platform that cannot edit what it
        posted does nothing: the alert's buttons keep working, only the text stays old.
        """
        ...

    async def send_direct(self, person: Person, message: TextMessage) -> str:
        """Send `message` privately to `person`, in their chat with the bot; return its
        reference.

        For notices the core words itself (in the person's language), not prompts: no
        claim, no retry. Raises `RecipientUnreachable` when this platform does not know
        the person, `DeliveryError` when the platform fails.
        """
        ...

    async def send_reminder(self, prompt: RatingPrompt, message_ref: str) -> str:
        """Remind the recipient of a prompt sent earlier (`message_ref`, from `send_prompt`)
        and not yet answered; return the reminder's message reference.

        A short message in the person's language with the prompt's buttons again: a click
        on either message records the same prompt. Sent once, never retried (the flow
        claimed it first): a lost reminder is better than two.
        """
        ...

    async def send_request_check(self, check: RequestCheck) -> str:
        """Ask the agent who closed a conversation how the request was to work on (mutual
        rating), in their chat with the bot; return the message reference.

        One-tap answers; a tap is answered by redrawing the message the person tapped (the
        platform's handlers do, as for prompts). Raises `RecipientUnreachable` when this
        platform does not know the agent, `DeliveryError` when the platform fails.
        """
        ...
