"""Who is asked, and when: `ConversationClosed` in, a stored decision out."""

from __future__ import annotations

import random
from datetime import timedelta

from bot.domain.decisions import AskContext, CloseOutcome, Decider, Decision, ReopenOutcome
from bot.domain.events import ConversationClosed, ConversationReopened
from bot.domain.model import Prompt, PromptStatus, SkipReason
from bot.services import Policy, Services


def skip_reason(ctx: AskContext, policy: Policy, rng: random.Random) -> SkipReason | None:
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
        days = policy.cooldown_days if cooldown is None else cooldown
        if ctx.now - ctx.last_asked_at < timedelta(days=days):
            return SkipReason.COOLDOWN
    # Sampling is decided once, when the conversation closes: re-rolling it at send
    # time would sample twice.
    percent = ctx.team.sample_percent
    if not ctx.at_send_time and percent < 100 and rng.random() * 100 >= percent:
        return SkipReason.NOT_SAMPLED
    return None


def make_decider(policy: Policy, rng: random.Random) -> Decider:
    """The asking rules as a pure function the store calls inside its transaction."""

    def decide(ctx: AskContext) -> Decision:
        reason = skip_reason(ctx, policy, rng)
        if reason is not None:
            return Decision(PromptStatus.SKIPPED, reason=reason)
        delay = timedelta(minutes=0 if ctx.at_send_time else ctx.team.send_delay_minutes)
        return Decision(PromptStatus.PENDING, due_at=ctx.now + delay)

    return decide


async def conversation_closed(services: Services, event: ConversationClosed) -> CloseOutcome:
    """Store the conversation and whether (and when) its requester will be asked, at once.

    For closes made in chat, whose adapters answer with the decision. Raise `UnknownTeam`
    for a team that does not exist: teams are never created on the fly.
    """
    outcome = await services.store.close_conversation(
        event, make_decider(services.policy, services.rng), now=services.clock.now()
    )
    if outcome.created:
        count_prompt(services, outcome.prompt)
    return outcome


async def close_accepted(services: Services, event: ConversationClosed) -> bool:
    """Store the close durably and leave the decision to the worker, moments later.

    False when it is the same close again (nothing is stored). The worker is woken at
    once, so the requester's prompt is normally decided within a tenth of a second. Raise
    `UnknownTeam` as `conversation_closed` does.
    """
    accepted = await services.store.accept_close(event, now=services.clock.now())
    if accepted:
        services.wakeup.set()
    return accepted


async def conversation_reopened(services: Services, event: ConversationReopened) -> ReopenOutcome:
    """Withdraw the ticket's unanswered prompt; a later close may ask again."""
    outcome = await services.store.reopen_conversation(
        event, make_decider(services.policy, services.rng)
    )
    if outcome.settled is not None:
        count_prompt(services, outcome.settled)
    if outcome.withdrawn is not None:
        services.telemetry.prompt_status(PromptStatus.SKIPPED, SkipReason.REOPENED)
    return outcome


def count_prompt(services: Services, prompt: Prompt) -> None:
    """Count a decision as it is stored (ratebot_prompts_total)."""
    services.telemetry.prompt_status(prompt.status, prompt.reason or "")
