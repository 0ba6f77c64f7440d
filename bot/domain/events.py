"""What happens in the world, in the past tense: the inputs of the core's flows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ConversationClosed:
    """A helpdesk ticket was solved or a chat request was closed."""

    source: str  # "generic", "zendesk", "slack", ...
    ticket_id: str
    requester_email: str | None
    team: str
    closed_at: datetime
    subject: str | None = None
    agent_email: str | None = None
    agent_name: str | None = None
    requester_name: str | None = None
    # Platform identities when the close happened in chat (no email known there).
    requester_slack_id: str | None = None
    requester_teams_id: str | None = None
    agent_slack_id: str | None = None
    agent_teams_id: str | None = None
    always_ask: bool = False  # bypasses the cooldown, never an opt-out


@dataclass(frozen=True, slots=True)
class ConversationReopened:
    """The ticket was reopened: a prompt not yet answered is withdrawn."""

    source: str
    ticket_id: str
    reopened_at: datetime
