"""The core's ports: what it needs from chat platforms and from storage.

Adapters implement `ChatPort`; `storage.SqlStore` implements `RatingStore`. The value
objects here are what crosses those boundaries: plain frozen data, no SDK objects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.domain.events import ConversationClosed, ConversationReopened
from bot.domain.model import (
    Anonymity,
    FollowUpStatus,
    Person,
    Prompt,
    PromptStatus,
    Rating,
    SkipReason,
    Team,
)
from bot.domain.scales import Category, Scale

if TYPE_CHECKING:  # bot.flows.digest imports this module
    from bot.flows.digest import Digest

# --------------------------------------------------------------------------- chat


@dataclass(frozen=True, slots=True)
class RatingPrompt:
    """Everything an adapter needs to render the question for one person."""

    prompt_id: int
    recipient: Person
    team_name: str
    team_display_name: str
    question: str
    scale: Scale
    anonymity: Anonymity
    expires_at: datetime
    agent_name: str | None = None
    subject: str | None = None
    ticket_id: str | None = None


@dataclass(frozen=True, slots=True)
class PromptUpdate:
    """The state of a sent prompt, for re-rendering the message in place."""

    prompt: RatingPrompt
    score: int | None = None
    comment: str | None = None
    receipt: str | None = None  # carried in the message so the rating can be found again
    notice: str | None = None  # e.g. "This request was withdrawn because the ticket reopened."


@dataclass(frozen=True, slots=True)
class DetractorAlert:
    """A detractor's rating, for the team's alert channel (principle 6)."""

    follow_up_id: int
    team_name: str
    team_display_name: str
    scale: Scale
    score: int
    comment: str | None
    agent_name: str | None  # None when unknown or the team hides names
    requester_name: str | None  # None unless the team is `identified`
    subject: str | None
    ticket_id: str | None
    claimed_by: str | None = None
    resolved_by: str | None = None
    resolution_note: str | None = None


@dataclass(frozen=True, slots=True)
class TextMessage:
    text: str


@dataclass(frozen=True, slots=True)
class DigestMessage:
    """A team's weekly digest for its digest channel; the adapter renders `digest`.

    `bot.domain.digest_text.render_digest(digest, escape=...)` is the base rendering; the
    adapter passes its own escape for everything a person typed.
    """

    digest: Digest
    chart_png: bytes | None = None  # None without the `charts` extra: the text alone
    late: bool = False  # posted after its scheduled time (the bot was down then)


ChannelMessage = DetractorAlert | TextMessage | DigestMessage


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


# --------------------------------------------------------------------------- asking


@dataclass(frozen=True, slots=True)
class AskContext:
    """What the asking rules need to know, gathered by the store in one transaction."""

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


@dataclass(frozen=True, slots=True)
class PersonIdentity:
    """Whatever is known of someone; the store matches on any id and fills the gaps."""

    email: str | None = None
    display_name: str | None = None
    locale: str | None = None
    timezone: str | None = None
    slack_user_id: str | None = None
    teams_user_id: str | None = None
    teams_aad_object_id: str | None = None


# --------------------------------------------------------------------------- recording


@dataclass(frozen=True, slots=True)
class Answer:
    prompt_id: int
    person: PersonIdentity  # who clicked, as the platform knows them
    score: int
    at: datetime
    receipt: str | None = None  # from the message, when a rating was already recorded
    new_receipt: str = ""  # the token to store for a first rating (the core makes it)


@dataclass(frozen=True, slots=True)
class AnswerContext:
    """A prompt about to be answered, loaded inside the answering transaction."""

    prompt: Prompt
    team: Team
    recipient: Person | None
    clicker: Person | None  # the stored person matching `Answer.person`, if any
    existing: Rating | None


AnswerCheck = Callable[[AnswerContext, Answer], None]  # raises a UserFacingError to refuse


@dataclass(frozen=True, slots=True)
class RatingResult:
    rating: Rating
    category: Category
    created: bool  # False when an earlier rating of this prompt was changed
    changed: bool  # False when nothing changed (a replayed click)
    receipt: str  # the token that finds this rating again (comment, re-click)
    follow_up_id: int | None  # set when this answer opened a follow-up (a new detractor)
    # The message's content as read in the same transaction, to redraw it without a
    # second read; None once the person was forgotten.
    prompt: RatingPrompt | None = None


@dataclass(frozen=True, slots=True)
class FollowUp:
    id: int
    rating_id: int
    team_id: int
    status: FollowUpStatus
    created_at: datetime
    claimed_by: int | None = None
    claimed_at: datetime | None = None
    resolved_by: int | None = None
    resolved_at: datetime | None = None
    note: str | None = None
    alert_platform: str | None = None
    alert_ref: str | None = None


# --------------------------------------------------------------------------- reporting


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts behind a score: one team over one period."""

    n: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    score_sum: int = 0


@dataclass(frozen=True, slots=True)
class PromptTally:
    """What happened to the prompts of one team over one period."""

    sent: int = 0  # delivered (sent, answered or expired)
    answered: int = 0
    pending: int = 0
    skipped: Mapping[str, int] = field(default_factory=dict)  # reason -> count
    failed: Mapping[str, int] = field(default_factory=dict)  # reason -> count


@dataclass(frozen=True, slots=True)
class ExportRow:
    rated_at: datetime
    team: str
    scale: Scale
    score: int
    category: Category
    comment: str | None
    agent_email: str | None
    requester_email: str | None  # None in anonymous teams and for forgotten people
    ticket_id: str | None  # None in anonymous teams


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    detail: Mapping[str, object]


class RatingStore(Protocol):
    """Storage, in the domain's terms. Every method is one transaction."""

    async def ping(self) -> None:
        """Raise `StoreUnavailable` when the database cannot be reached."""
        ...

    async def close(self) -> None: ...

    # teams -----------------------------------------------------------------
    async def add_team(
        self, name: str, *, display_name: str | None = None, actor: str, at: datetime
    ) -> Team:
        """Raise `AlreadyExists` when the name is taken."""
        ...

    async def get_team(self, name: str) -> Team | None: ...

    async def list_teams(self) -> list[Team]: ...

    async def update_team(
        self, name: str, changes: Mapping[str, object], *, actor: str, at: datetime
    ) -> Team:
        """Change `Team` fields (validated by the core). Raise `UnknownTeam`."""
        ...

    async def set_team_channel(
        self, name: str, platform: str, purpose: str, ref: str | None, *, actor: str, at: datetime
    ) -> Team: ...

    async def remove_team(self, name: str, *, actor: str, at: datetime) -> None:
        """Raise `UnknownTeam`, or `InvalidValue` when the team has conversations."""
        ...

    # people, agents, admins, exclusions --------------------------------------
    async def upsert_person(self, identity: PersonIdentity) -> Person: ...

    async def find_person(
        self,
        *,
        email: str | None = None,
        slack_user_id: str | None = None,
        teams_user_id: str | None = None,
    ) -> Person | None: ...

    async def set_opted_out(self, person_id: int, opted_out: bool, *, at: datetime) -> Person: ...

    async def forget_person(self, email: str, *, actor: str, at: datetime) -> int:
        """Erase a person's identifying fields; keep their ratings without a person.

        Returns how many ratings were kept. Raise `NotFound` for an unknown email.
        """
        ...

    async def add_agent(
        self, team: str, identity: PersonIdentity, *, actor: str, at: datetime
    ) -> Person: ...

    async def list_agents(self, team: str | None = None) -> list[tuple[str, Person]]: ...

    async def add_admin(self, identifier: str, *, actor: str, at: datetime) -> bool: ...

    async def remove_admin(self, identifier: str, *, actor: str, at: datetime) -> bool: ...

    async def list_admins(self) -> list[str]: ...

    async def add_exclusion(self, pattern: str, *, actor: str, at: datetime) -> bool: ...

    async def remove_exclusion(self, pattern: str, *, actor: str, at: datetime) -> bool: ...

    async def list_exclusions(self) -> list[str]: ...

    async def audit_log(self, limit: int = 100) -> list[AuditEntry]: ...

    # asking ----------------------------------------------------------------
    async def close_conversation(
        self, event: ConversationClosed, decide: Decider, *, now: datetime
    ) -> CloseOutcome:
        """Store the conversation and the decision about asking, atomically.

        `accept_close` and settling in one transaction. One prompt per (source, ticket,
        round): the same close again returns the stored prompt with `created=False`.
        Raise `UnknownTeam`.
        """
        ...

    async def accept_close(self, event: ConversationClosed, *, now: datetime) -> bool:
        """Store the close durably, undecided, for `settle_closes`; one statement.

        False when it is the same close again (nothing is written). Raise `UnknownTeam`.
        """
        ...

    async def settle_closes(
        self, decide: Decider, *, now: datetime, limit: int, max_attempts: int
    ) -> SettleReport:
        """Claim up to `limit` accepted closes (SKIP LOCKED) and store each decision.

        A close whose settling raises is rolled back alone and retried in a later call;
        after `max_attempts` failures it is stored as a failed prompt.
        """
        ...

    async def reopen_conversation(
        self, event: ConversationReopened, decide: Decider
    ) -> ReopenOutcome:
        """Withdraw the round's unanswered prompt; a close still pending is settled first."""
        ...

    # delivery --------------------------------------------------------------
    async def claim_due_prompts(
        self, *, now: datetime, limit: int, lease: timedelta, token: str | None = None
    ) -> list[DuePrompt]:
        """Atomically claim pending prompts due by `now` for `lease` (SKIP LOCKED).

        The claim carries `token` (a fresh one when None), which `renew_claims` and
        `begin_send` check.
        """
        ...

    async def renew_claims(self, token: str, *, now: datetime, lease: timedelta) -> int:
        """Extend the lease of every prompt still held under `token`; return how many."""
        ...

    async def begin_send(
        self, prompt_id: int, token: str, *, platform: str, now: datetime
    ) -> bool:
        """Mark the prompt as in flight, if `token` still holds it; False when it does not."""
        ...

    async def register_worker(
        self, instance: str, *, host: str, pid: int, now: datetime
    ) -> list[WorkerSeen]:
        """Record a starting delivery worker; return the others registered on `host`."""
        ...

    async def release_claims_of(self, instances: Sequence[str]) -> int:
        """Free the prompts claimed by these workers, which are known dead; forget them."""
        ...

    async def pause_platform(self, platform: str, method: str, *, until: datetime) -> None:
        """Remember a platform's "retry after" for one method, for every replica."""
        ...

    async def platform_paused_until(
        self, platform: str, method: str, *, now: datetime
    ) -> datetime | None:
        """The end of the method's pause, if one is still running at `now`."""
        ...

    async def mark_sent(
        self,
        prompt_id: int,
        *,
        platform: str,
        message_ref: str,
        sent_at: datetime,
        expires_at: datetime,
    ) -> None: ...

    async def reschedule_prompt(
        self, prompt_id: int, *, next_attempt_at: datetime, failed_attempt: bool,
        reason: str | None, in_doubt: bool = False,
    ) -> None:
        """Release the claim and try again later; count an attempt when one failed.

        `in_doubt`: the failed send may have arrived, so the next attempt asks first.
        """
        ...

    async def postpone_prompts(self, postponed: Sequence[Postponed]) -> None:
        """`reschedule_prompt` without a failed attempt, for many prompts in one go."""
        ...

    async def finish_prompt(
        self, prompt_id: int, status: PromptStatus, *, reason: str, at: datetime
    ) -> None:
        """End a claimed prompt as SKIPPED, FAILED or EXPIRED with its reason."""
        ...

    async def expire_prompts(self, *, now: datetime) -> list[Prompt]:
        """Mark sent prompts past their expiry as EXPIRED and return them."""
        ...

    async def get_prompt(self, prompt_id: int) -> Prompt | None: ...

    # recording -------------------------------------------------------------
    async def answer_prompt(self, answer: Answer, check: AnswerCheck) -> RatingResult:
        """Record or change the rating of a prompt; `check` refuses bad answers."""
        ...

    async def add_comment(
        self, prompt_id: int, person: PersonIdentity, receipt: str | None, comment: str,
        *, at: datetime,
    ) -> Rating:
        """Attach a comment to the prompt's rating. Raise `NotFound` / `NotRecipient`."""
        ...

    # follow-ups ------------------------------------------------------------
    async def get_follow_up(self, follow_up_id: int) -> FollowUp | None: ...

    async def claim_follow_up(
        self, follow_up_id: int, person_id: int, *, at: datetime
    ) -> FollowUp: ...

    async def resolve_follow_up(
        self, follow_up_id: int, person_id: int, note: str | None, *, at: datetime
    ) -> FollowUp: ...

    async def set_follow_up_alert(self, follow_up_id: int, platform: str, ref: str) -> None: ...

    async def open_follow_ups(self, team: str | None = None) -> list[FollowUp]: ...

    # reporting -------------------------------------------------------------
    async def tallies(
        self, *, since: datetime, until: datetime, team_ids: list[int] | None = None
    ) -> dict[int, Tally]:
        """Rating counts per team id for `since <= rated_at < until`, aggregated in SQL."""
        ...

    async def weekly_tallies(self, team_id: int, boundaries: list[datetime]) -> list[Tally]:
        """One tally per interval between consecutive `boundaries` (len - 1 results)."""
        ...

    async def prompt_tallies(
        self, *, since: datetime, until: datetime, team_ids: list[int] | None = None
    ) -> dict[int, PromptTally]:
        """Prompt outcomes per team id for prompts created in the period."""
        ...

    def export_rows(self, *, team: str | None = None) -> AsyncIterator[ExportRow]:
        """Every rating, oldest first, with only what the team's anonymity allows."""
        ...
