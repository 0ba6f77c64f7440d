"""Who is asked, and when: the asking rules as pure functions over facts the store read.

A batch of closes is decided in memory, close after close, so that each decision sees
the earlier ones of the same batch: a person asked by one close is in cooldown for the
next, exactly as if the closes had been settled one transaction each.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.domain.decisions import (
    AskContext,
    AskingFacts,
    ClaimedPrompt,
    Decider,
    Decision,
    DuePrompt,
    PendingClose,
    Settlement,
)
from bot.domain.model import Person, PromptStatus, SkipReason

# The reason a close that could not be settled is stored with, as a failed prompt.
GAVE_UP = "could not be processed"
# Between failed attempts at one close: 10 s, 20 s, 40 s, ... so a passing fault (a
# deadlock, a restart of the database) clears, while a poison close is given up on soon.
RETRY_BASE = timedelta(seconds=10)


class UnreadableClose(Exception):
    """What was stored of an accepted close cannot be read back: it fails like a poison."""


def skip_reason(
    ctx: AskContext, default_cooldown_days: int, rng: random.Random
) -> SkipReason | None:
    """The first rule that says "do not ask", or None. Principle 7 of DESIGN.md."""
    person = ctx.requester
    if person is None:
        return SkipReason.FORGOTTEN
    if person.opted_out:
        return SkipReason.OPTED_OUT
    if ctx.requester_excluded:
        return SkipReason.EXCLUDED
    if ctx.agent is not None and ctx.agent.id == person.id:
        return SkipReason.OWN_AGENT
    if ctx.requester_is_agent:
        return SkipReason.IS_AGENT
    if not ctx.always_ask and ctx.last_asked_at is not None:
        cooldown = ctx.team.cooldown_days
        days = default_cooldown_days if cooldown is None else cooldown
        if ctx.now - ctx.last_asked_at < timedelta(days=days):
            return SkipReason.COOLDOWN
    # Sampling is decided once, when the conversation closes: re-rolling it at send
    # time would sample twice.
    percent = ctx.team.sample_percent
    if not ctx.at_send_time and percent < 100 and rng.random() * 100 >= percent:
        return SkipReason.NOT_SAMPLED
    return None


def decider(default_cooldown_days: int, rng: random.Random) -> Decider:
    """The asking rules as one function of the context: ask (and when), or skip and why."""

    def decide(ctx: AskContext) -> Decision:
        reason = skip_reason(ctx, default_cooldown_days, rng)
        if reason is not None:
            return Decision(PromptStatus.SKIPPED, reason=reason)
        delay = timedelta(minutes=0 if ctx.at_send_time else ctx.team.send_delay_minutes)
        return Decision(PromptStatus.PENDING, due_at=ctx.now + delay)

    return decide


def exclusion_candidates(email: str | None) -> set[str]:
    """The exclusion patterns that would exclude `email`: itself and '@its-domain'."""
    address = (email or "").strip().lower()
    if not address:
        return set()
    if "@" not in address:
        return {address}
    return {address, "@" + address.rpartition("@")[2]}


def _context(
    facts: AskingFacts, *, team_id: int, requester: Person | None, agent: Person | None,
    always_ask: bool, last_asked: datetime | None, now: datetime, at_send_time: bool,
) -> AskContext:
    if requester is not None:
        # The facts' reading of a person wins: it shows someone who once erased themselves
        # (`forget me`) as opted out, found by the keyed hashes of their ids.
        requester = facts.people.get(requester.id, requester)
    return AskContext(
        now=now,
        team=facts.teams[team_id],
        requester=requester,
        agent=agent,
        requester_is_agent=requester is not None and requester.id in facts.agents,
        requester_excluded=requester is not None
        and bool(exclusion_candidates(requester.email) & facts.excluded),
        last_asked_at=last_asked,
        always_ask=always_ask,
        at_send_time=at_send_time,
    )


def decide_closes(
    closes: Sequence[PendingClose],
    people: Sequence[tuple[Person | None, Person | None]],
    facts: AskingFacts,
    decide: Decider,
    *,
    now: datetime,
) -> list[Settlement]:
    """Decide every close of a batch in order; `people` are each close's requester and agent.

    Raise `UnreadableClose` for a close whose stored values cannot be read.
    """
    asked = dict(facts.last_asked)  # the batch's own asks join the stored ones
    settlements: list[Settlement] = []
    for close, (named_requester, named_agent) in zip(closes, people, strict=True):
        at = close.accepted_at
        if at is None:
            raise UnreadableClose(close.ticket_id)
        # A reopened conversation closed again without names keeps the people it had.
        requester = named_requester or facts.person(close.requester_id)
        agent = named_agent or facts.person(close.agent_id)
        decision = decide(_context(
            facts, team_id=close.team_id, requester=requester, agent=agent,
            always_ask=close.always_ask, now=at, at_send_time=False,
            last_asked=None if requester is None else asked.get(requester.id),
        ))
        if decision.asks and requester is not None:
            previous = asked.get(requester.id)
            asked[requester.id] = at if previous is None else max(previous, at)
        settlements.append(Settlement(
            close=close,
            requester_id=None if requester is None else requester.id,
            agent_id=None if agent is None else agent.id,
            status=decision.status,
            reason=decision.reason.value if decision.reason else None,
            next_attempt_at=decision.due_at if decision.asks else None,
            created_at=at,
            updated_at=max(at, now),
        ))
    return settlements


def retry_at(close: PendingClose, now: datetime) -> datetime:
    """When a close whose settling just failed is tried again."""
    return now + RETRY_BASE * (1 << close.failed_attempts)


def given_up(close: PendingClose, *, now: datetime) -> Settlement:
    """The failed prompt a close is stored as once settling it has failed too often."""
    return Settlement(
        close=close,
        requester_id=close.requester_id,
        agent_id=close.agent_id,
        status=PromptStatus.FAILED,
        reason=GAVE_UP,
        next_attempt_at=None,
        created_at=now,
        updated_at=now,
        failed_attempts=close.failed_attempts + 1,
    )


def due_prompts(
    claimed: Sequence[ClaimedPrompt], facts: AskingFacts, *, now: datetime
) -> list[DuePrompt]:
    """The claimed prompts with the context the rules re-check them in, at send time.

    The other prompts of the same claim to the same person count as asks too: only
    one of them may go out within the cooldown.
    """
    due: list[DuePrompt] = []
    for item in claimed:
        prompt = item.prompt
        requester = facts.person(prompt.person_id)
        stored = None if requester is None else facts.last_asked.get(requester.id)
        newest_other = _newest_other(claimed, item)
        if newest_other is not None and (stored is None or stored < newest_other):
            stored = newest_other
        context = _context(
            facts, team_id=prompt.team_id, requester=requester,
            agent=facts.person(item.agent_id), always_ask=item.always_ask,
            last_asked=stored, now=now, at_send_time=True,
        )
        due.append(DuePrompt(
            prompt=prompt, context=context, subject=item.subject, ticket_id=item.ticket_id,
            claim_token=item.claim_token,
        ))
    return due


def _newest_other(claimed: Sequence[ClaimedPrompt], item: ClaimedPrompt) -> datetime | None:
    person_id = item.prompt.person_id
    if person_id is None:
        return None
    times = [
        other.prompt.sent_at or other.prompt.created_at
        for other in claimed
        if other.prompt.person_id == person_id and other.prompt.id != item.prompt.id
    ]
    return max(times, default=None)
