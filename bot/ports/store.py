"""The store, in the domain's terms: one `Store` made of one part per aggregate.

`storage.SqlStore` implements all of it; flows receive it as `Services.store`. Every
method is one transaction unless it runs inside `Store.transaction()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.answers import (
    AlertFacts,
    AnswerFacts,
    FollowUp,
    NewRating,
    RatedItem,
    RatingChange,
)
from bot.domain.decisions import (
    AskingFacts,
    ClaimedPrompt,
    ConversationRound,
    PendingClose,
    Postponed,
    Settlement,
    WorkerSeen,
)
from bot.domain.errors import UnknownTeam
from bot.domain.events import ConversationClosed
from bot.domain.identity import PersonIdentity
from bot.domain.mapping import GroupMapping
from bot.domain.model import Person, Prompt, PromptStatus, Rating, Team
from bot.domain.platform_refs import TeamsConversation
from bot.domain.tallies import AuditEntry, DigestFacts, DigestRun, ExportRow, PromptTally, Tally


class TeamsAndSettings(Protocol):
    """Teams and their settings; admins, exclusions, helpdesk group mappings; the audit log."""

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

    async def add_admin(self, identifier: str, *, actor: str, at: datetime) -> bool: ...

    async def remove_admin(self, identifier: str, *, actor: str, at: datetime) -> bool: ...

    async def list_admins(self) -> list[str]: ...

    async def add_exclusion(self, pattern: str, *, actor: str, at: datetime) -> bool: ...

    async def remove_exclusion(self, pattern: str, *, actor: str, at: datetime) -> bool: ...

    async def list_exclusions(self) -> list[str]: ...

    async def audit_log(self, limit: int = 100) -> list[AuditEntry]: ...

    async def team_for_group(self, source: str, group: str) -> str | None:
        """The team name mapped to `group` of `source` (case-insensitive), or None."""
        ...

    async def map_group(
        self, source: str, group: str, team: str, *, actor: str, at: datetime
    ) -> GroupMapping:
        """Map (or re-map) a group to a team. Raise `UnknownTeam`."""
        ...

    async def unmap_group(self, source: str, group: str, *, actor: str, at: datetime) -> bool: ...

    async def group_mappings(self, source: str | None = None) -> list[GroupMapping]: ...


class People(Protocol):
    """People, agents, opt-outs, forgetting; the platform conversation references kept for them."""

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

    async def save_teams_conversation(
        self, conversation: TeamsConversation, *, at: datetime
    ) -> None:
        """Insert or refresh a reference (one row per conversation id)."""
        ...

    async def teams_conversation(self, conversation_id: str) -> TeamsConversation | None: ...

    async def teams_personal_conversation(self, person_id: int) -> TeamsConversation | None:
        """The person's newest 1:1 conversation with the bot."""
        ...

    async def teams_team_conversations(self, tenant_id: str | None) -> list[TeamsConversation]:
        """One channel per Teams team the bot is in (newest first), to read rosters through."""
        ...

    async def teams_newest_conversation(self, tenant_id: str | None) -> TeamsConversation | None:
        """The most recently seen conversation (any kind), for its service URL and tenant."""
        ...

    async def save_teams_thread(self, thread_id: str, person_id: int, *, at: datetime) -> None:
        """Remember who started a channel thread (the first author is the requester)."""
        ...

    async def teams_thread_author(self, thread_id: str) -> Person | None: ...

    async def forget_teams_person(self, person_id: int) -> None:
        """Drop the person's stored 1:1 references and thread authorships."""
        ...


class Conversations(Protocol):
    """Closes accepted, claimed for settling, decided and withdrawn; no rules, no callbacks.

    The flows (`bot.flows.settling`) decide; these read the facts and write the outcome,
    inside the flow's `Store.transaction()`.
    """

    async def accept_closes(
        self, closes: Sequence[tuple[ConversationClosed, datetime]]
    ) -> list[bool | UnknownTeam]:
        """Store closes durably, undecided, in one transaction; each with when it arrived.

        For each: True when stored, False when it is the same close again (also the
        second of one ticket in `closes`), or the `UnknownTeam` that refused it (nothing
        of it is written).
        """
        ...

    async def claim_closes(self, *, now: datetime, limit: int) -> list[PendingClose]:
        """Up to `limit` accepted closes due to be settled, locked to this transaction
        (SKIP LOCKED: several replicas claim side by side)."""
        ...

    async def find_conversation(self, source: str, ticket_id: str) -> ConversationRound | None:
        """The conversation and its current round, locked to this transaction."""
        ...

    async def claim_pending_close(self, conversation_id: int) -> PendingClose | None:
        """The conversation's close still waiting to be settled, locked; None when none is."""
        ...

    async def resolve_people(
        self, identities: Sequence[tuple[PersonIdentity, datetime]]
    ) -> list[Person | None]:
        """The stored person for each identity, inserted (as of its time) or completed.

        Set-based: one read and one insert for all of them. None for an empty identity.
        """
        ...

    async def asking_facts(
        self, *, team_ids: Collection[int], person_ids: Collection[int],
        not_counting: Collection[int] = (),
    ) -> AskingFacts:
        """The teams, people, agents, matching exclusions and newest asks of a batch.

        A prompt in `not_counting` is left out of the newest asks (it is the one re-checked).
        """
        ...

    async def store_settlements(self, settlements: Sequence[Settlement]) -> list[Prompt]:
        """Write each close's people and prompt and clear what was pending; the prompts.

        A round that has a prompt already keeps it, and that one is returned.
        """
        ...

    async def put_off_close(
        self, conversation_id: int, *, failed_attempts: int, retry_at: datetime
    ) -> None:
        """Count a failed attempt at settling the close; it is claimed again from `retry_at`."""
        ...

    async def withdraw_round(
        self, conversation: ConversationRound, *, at: datetime
    ) -> Prompt | None:
        """Mark the conversation reopened and skip its round's unanswered prompt (returned)."""
        ...

    async def prompt_of_round(self, conversation_id: int, round_: int) -> Prompt | None: ...

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """Inside a transaction: what raises in the block is rolled back alone, then re-raised.

        An outage (the database gone) is re-raised as `StoreUnavailable`: the transaction
        itself is lost.
        """
        ...


class Prompts(Protocol):
    """Prompts claimed, sent, rescheduled and ended by the delivery worker."""

    async def claim_due_prompts(
        self, *, now: datetime, limit: int, lease: timedelta, token: str | None = None
    ) -> list[ClaimedPrompt]:
        """Atomically claim pending prompts due by `now` for `lease` (SKIP LOCKED).

        The claim carries `token` (a fresh one when None), which `renew_claims` and
        `begin_send` check. Oldest due first.
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


class Ratings(Protocol):
    """Ratings and follow-ups, read and written without rules: the recording flow decides
    (`bot.domain.rating_rules`) inside its `Store.transaction()`, and the core renders
    what people see from the facts read here (`bot.domain.prompt_view`)."""

    async def answer_facts(
        self,
        prompt_id: int,
        person: PersonIdentity | None = None,
        receipt: str | None = None,
        *,
        lock: bool = False,
    ) -> AnswerFacts | None:
        """The prompt with its team, people, ticket and rating; None for no such prompt.

        `person` is matched to the stored clicker; `receipt` finds a rating only when the
        prompt has none linked (anonymous ones). `lock` holds the prompt's row until the
        transaction ends (PostgreSQL), so two clicks on one prompt take turns.
        """
        ...

    async def insert_rating(self, rating: NewRating) -> Rating | None:
        """Store a first rating; None when the prompt already has one (a concurrent click)."""
        ...

    async def rating_of_prompt(self, prompt_id: int) -> Rating | None: ...

    async def update_rating(self, rating_id: int, change: RatingChange) -> Rating:
        """Change what `change` sets; return the rating as stored. Raise `NotFound`."""
        ...

    async def mark_prompt_answered(
        self, prompt_id: int, *, answered_at: datetime | None, updated_at: datetime
    ) -> None: ...

    async def open_follow_up(
        self, rating_id: int, team_id: int, *, created_at: datetime
    ) -> int | None:
        """Open the rating's follow-up; None when it has one already."""
        ...

    async def get_follow_up(self, follow_up_id: int) -> FollowUp | None: ...

    async def claim_follow_up(
        self, follow_up_id: int, person_id: int, *, at: datetime
    ) -> FollowUp: ...

    async def resolve_follow_up(
        self, follow_up_id: int, person_id: int, note: str | None, *, at: datetime
    ) -> FollowUp: ...

    async def set_follow_up_alert(self, follow_up_id: int, platform: str, ref: str) -> None: ...

    async def open_follow_ups(self, team: str | None = None) -> list[FollowUp]: ...

    async def first_delivery(self, key: str, *, at: datetime) -> bool:
        """True the first time `key` (a platform event or interaction id) is seen."""
        ...

    async def alert_facts(self, follow_up_id: int) -> AlertFacts | None:
        """The follow-up with its rating, team, ticket and people, to render its alert."""
        ...

    async def follow_up_of_rating(self, rating_id: int) -> int | None:
        """The follow-up a detractor rating opened, if any."""
        ...

    async def ratings_of(self, person_id: int, *, limit: int) -> list[RatedItem]:
        """The person's newest ratings (anonymous ones are not linked to them: never here)."""
        ...


class Reports(Protocol):
    """Tallies, exports and the weekly digest's facts and runs."""

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

    async def digest_facts(
        self,
        team_id: int,
        edges: list[datetime],
        *,
        comments: int,
        with_names: bool,
        with_agents: bool,
    ) -> DigestFacts:
        """Read one team's digest facts in one transaction; no other team's rows are read.

        `edges` are increasing UTC instants (the week starts, then the end of the last
        week). Comment authors only with `with_names`; per-agent tallies only with
        `with_agents`.
        """
        ...

    async def claim_digest_run(
        self, team_id: int, period: str, *, now: datetime, lease: timedelta
    ) -> bool:
        """Atomically claim (team, period): True for exactly one caller.

        A claim that was never marked posted and is older than `lease` (or was
        released) can be claimed again; a posted run never can.
        """
        ...

    async def mark_digest_posted(
        self, team_id: int, period: str, *, at: datetime, late: bool, message_ref: str | None
    ) -> None: ...

    async def release_digest_run(self, team_id: int, period: str) -> None:
        """Give up a claim (nothing was posted) so a later attempt may claim it at once."""
        ...

    async def get_digest_run(self, team_id: int, period: str) -> DigestRun | None: ...


class Store(TeamsAndSettings, People, Conversations, Prompts, Ratings, Reports, Protocol):
    """Storage, in the domain's terms: every part, one implementation.

    Each method is one transaction of its own, unless called on the store that
    `transaction()` yields.
    """

    async def ping(self) -> None:
        """Raise `StoreUnavailable` when the database cannot be reached."""
        ...

    async def close(self) -> None: ...

    def transaction(self) -> AbstractAsyncContextManager[Store]:
        """A flow's unit of work: the store it yields runs every call in one transaction.

        `async with store.transaction() as tx:` then read facts, decide (pure), and write
        the outcome through `tx`; it commits when the block ends and rolls back on error.
        Await nothing but `tx` inside. Nested, it joins the outer transaction.
        """
        ...
