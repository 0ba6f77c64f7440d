"""Asking: the facts a decision needs, the decision, and what became of closes and prompts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.identity import PersonIdentity
from bot.domain.model import Person, Prompt, PromptStatus, SkipReason, Team


@dataclass(frozen=True, slots=True)
class AskContext:
    """What the asking rules need to know about one close or one prompt about to be sent."""

    now: datetime
    team: Team
    requester: Person | None  # None once forgotten
    agent: Person | None
    requester_is_agent: bool  # an agent of any team
    requester_excluded: bool
    last_asked_at: datetime | None  # the newest other prompt to this person, any team
    always_ask: bool
    at_send_time: bool  # False when the conversation closes, True when the worker re-checks


@dataclass(frozen=True, slots=True)
class Decision:
    status: PromptStatus  # PENDING or SKIPPED
    reason: SkipReason | None = None
    due_at: datetime | None = None  # when PENDING: the earliest time to send

    @property
    def asks(self) -> bool:
        return self.status is PromptStatus.PENDING


Decider = Callable[[AskContext], Decision]


@dataclass(frozen=True, slots=True)
class AskingFacts:
    """What the store knows that the asking rules read, for a whole batch at once."""

    teams: Mapping[int, Team]
    people: Mapping[int, Person] = field(default_factory=dict)
    agents: frozenset[int] = frozenset()  # person ids that are an agent of any team
    last_asked: Mapping[int, datetime] = field(default_factory=dict)  # person id -> newest ask
    excluded: frozenset[str] = frozenset()  # the exclusion patterns that match someone here

    def person(self, person_id: int | None) -> Person | None:
        return None if person_id is None else self.people.get(person_id)


@dataclass(frozen=True, slots=True)
class PendingClose:
    """A close accepted and not yet decided, claimed for settling with what it carried."""

    conversation_id: int
    source: str
    ticket_id: str
    team_id: int
    round: int
    always_ask: bool
    requester_id: int | None  # the people of an earlier round of the same conversation
    agent_id: int | None
    failed_attempts: int  # settling attempts that failed so far
    accepted_at: datetime | None  # None: what was stored cannot be read back
    requester: PersonIdentity = field(default_factory=PersonIdentity)
    agent: PersonIdentity = field(default_factory=PersonIdentity)


@dataclass(frozen=True, slots=True)
class ConversationRound:
    """A stored conversation and the round it is in (one per close)."""

    id: int
    round: int


@dataclass(frozen=True, slots=True)
class Settlement:
    """What settling one close stores: the people it named and the round's prompt."""

    close: PendingClose
    requester_id: int | None
    agent_id: int | None
    status: PromptStatus
    reason: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime
    failed_attempts: int = 0  # kept on the conversation: how often settling it failed


@dataclass(frozen=True, slots=True)
class CloseOutcome:
    """What became of a `ConversationClosed`."""

    created: bool  # False: the same close was seen before and nothing changed
    prompt: Prompt


@dataclass(frozen=True, slots=True)
class SettleFailure:
    """A close whose settling raised: rolled back alone, retried later, then given up.

    `error` is the exception itself, for its type and frames; its message may quote
    personal data (a database error quotes its parameters), so it is never logged.
    """

    source: str
    ticket_id: str
    attempts: int  # how many times settling it has failed, this one included
    gave_up: bool  # True: it is now stored as a failed prompt and no longer retried
    error: BaseException


@dataclass(frozen=True, slots=True)
class SettleReport:
    """One batch of accepted closes, settled by the worker."""

    claimed: int  # closes taken up in this batch, settled or not
    prompts: list[Prompt]  # the decisions stored (a close given up on is a failed prompt)
    failures: list[SettleFailure]


@dataclass(frozen=True, slots=True)
class ReopenOutcome:
    found: bool
    withdrawn: Prompt | None  # the prompt that was skipped with reason `reopened`, if any
    settled: Prompt | None = None  # the decision on a close still pending, taken first


@dataclass(frozen=True, slots=True)
class ClaimedPrompt:
    """A prompt the worker claimed, with the conversation facts stored beside it."""

    prompt: Prompt
    subject: str | None
    ticket_id: str
    agent_id: int | None
    always_ask: bool
    claim_token: str


@dataclass(frozen=True, slots=True)
class DuePrompt:
    """A claimed prompt with what the worker needs to re-check, render and send it."""

    prompt: Prompt
    context: AskContext
    subject: str | None
    ticket_id: str
    claim_token: str = ""  # the claim it was taken under: sends only while it holds


@dataclass(frozen=True, slots=True)
class WorkerSeen:
    """Another delivery worker registered on this host: alive, or a dead predecessor."""

    instance: str
    pid: int


@dataclass(frozen=True, slots=True)
class Postponed:
    """A claimed prompt that cannot go out yet: released, to be tried again later."""

    prompt_id: int
    next_attempt_at: datetime
    reason: str | None  # shown to admins while it waits; None keeps the stored one
