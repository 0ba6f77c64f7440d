"""What the digest needs from storage beyond `RatingStore`, and the values that cross it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from bot.domain.scales import Category
from bot.ports import PromptTally, RatingStore, Tally


@dataclass(frozen=True, slots=True)
class DigestComment:
    category: Category  # DETRACTOR or PROMOTER: passives' comments are not quoted
    score: int
    text: str  # as the person typed it; the platform renderer escapes it
    rated_at: datetime
    author: str | None = None  # only ever filled for `identified` teams


@dataclass(frozen=True, slots=True)
class FollowUpCounts:
    """The follow-ups of one period's detractor ratings, as they stand now."""

    opened: int = 0
    claimed: int = 0  # claimed at some point (resolved ones included)
    resolved: int = 0


@dataclass(frozen=True, slots=True)
class AgentTally:
    agent: str  # display name, else email
    respondents: int  # distinct people who rated this agent
    tally: Tally


@dataclass(frozen=True, slots=True)
class DigestRun:
    team_id: int
    period: str
    status: str  # "claimed" or "posted"
    claimed_at: datetime | None
    posted_at: datetime | None
    late: bool
    message_ref: str | None


@dataclass(frozen=True, slots=True)
class DigestFacts:
    """Everything one team's digest reads from storage, from one consistent snapshot."""

    weekly: list[Tally]  # one per interval between consecutive `edges`
    # Sum of squared scores per interval: a mean's margin (CES) needs the spread of the
    # scores, which a tally does not keep.
    squares: list[int]
    prompts: PromptTally  # prompts created in the last interval
    comments: list[DigestComment]  # newest detractor comments first, then newest praise
    follow_ups: FollowUpCounts  # of the last interval's ratings
    agents: list[AgentTally]  # by agent name; empty unless asked for


@runtime_checkable
class DigestStore(RatingStore, Protocol):
    """The store, with the digest's own queries (storage.digest_queries.DigestQueries)."""

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
