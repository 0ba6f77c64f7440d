"""What the core tells the outside world about its work, as events; the app counts them.

The core names what happened; how it is counted (Prometheus, in `app.metrics`) is the
edge's business. Labels must stay few: every value passed here is a word the code chose
(a status, a reason, a platform, an outcome), never something a person typed, except
`unknown_status`, whose caller bounds the words it passes.
"""

from __future__ import annotations

from typing import Protocol

from bot.domain.model import PromptStatus
from bot.domain.scales import Category, Scale


class Telemetry(Protocol):
    def webhook_received(self, source: str, outcome: str) -> None:
        """A helpdesk's request was answered: `outcome` is accepted, invalid, unauthorized…"""
        ...

    def unknown_status(self, source: str, word: str) -> None:
        """A helpdesk sent a status word no parser knows (lower-cased, cut short, bounded)."""
        ...

    def prompt_status(self, status: PromptStatus, reason: str = "") -> None:
        """A prompt took a new status (pending, sent, skipped, answered…), and why."""
        ...

    def rating_recorded(self, scale: Scale, category: Category) -> None: ...

    def prompt_delivered(self, latency_seconds: float) -> None:
        """A prompt reached its person this long after the conversation closed."""
        ...

    def delivery_failed(self, platform: str, kind: str) -> None:
        """A platform call failed: `kind` is transient, permanent, rate_limited, waiting
        (for a person not reachable yet) or unexpected; `notice` for a private notice
        (`bot.flows.closing_the_loop`) not delivered, its platform `none` when no
        platform knew the person."""
        ...


class SilentTelemetry:
    """Counts nothing: the default where no one reads the figures (tests, tools)."""

    def webhook_received(self, source: str, outcome: str) -> None:
        pass

    def unknown_status(self, source: str, word: str) -> None:
        pass

    def prompt_status(self, status: PromptStatus, reason: str = "") -> None:
        pass

    def rating_recorded(self, scale: Scale, category: Category) -> None:
        pass

    def prompt_delivered(self, latency_seconds: float) -> None:
        pass

    def delivery_failed(self, platform: str, kind: str) -> None:
        pass
