"""Who is asked, and when: `ConversationClosed` in, a stored decision out."""

from __future__ import annotations

import random

from bot.domain import asking_rules
from bot.domain.decisions import AskContext, CloseOutcome, Decider, ReopenOutcome
from bot.domain.errors import UnknownTeam
from bot.domain.events import ConversationClosed, ConversationReopened
from bot.domain.model import Prompt, PromptStatus, SkipReason
from bot.flows.settling import close_conversation, reopen_conversation
from bot.services import Policy, Services


def skip_reason(ctx: AskContext, policy: Policy, rng: random.Random) -> SkipReason | None:
    """The first rule that says "do not ask", or None, under the organisation's policy."""
    return asking_rules.skip_reason(ctx, policy.cooldown_days, rng)


def make_decider(policy: Policy, rng: random.Random) -> Decider:
    """The asking rules under the organisation's policy, as one pure function."""
    return asking_rules.decider(policy.cooldown_days, rng)


async def conversation_closed(services: Services, event: ConversationClosed) -> CloseOutcome:
    """Store the conversation and whether (and when) its requester will be asked, at once.

    For closes made in chat, whose adapters answer with the decision. Raise `UnknownTeam`
    for a team that does not exist: teams are never created on the fly.
    """
    outcome = await close_conversation(
        services.store, event, make_decider(services.policy, services.rng),
        now=services.clock.now(),
    )
    if outcome.created:
        count_prompt(services, outcome.prompt)
    return outcome


async def close_accepted(services: Services, event: ConversationClosed) -> bool:
    """Store the close durably and leave the decision to the worker, moments later.

    False when it is the same close again (nothing is stored). The worker is woken at
    once, so the requester's prompt is normally decided within a tenth of a second. Raise
    `UnknownTeam` as `conversation_closed` does. Closes arriving together share one
    commit when the app gave the services an intake batcher (`app.intake`).
    """
    now = services.clock.now()
    if services.intake is not None:
        accepted = await services.intake.accept(event, now=now)
    else:
        (outcome,) = await services.store.accept_closes([(event, now)])
        if isinstance(outcome, UnknownTeam):
            raise outcome
        accepted = outcome
    if accepted:
        services.wakeup.set()
    return accepted


async def conversation_reopened(services: Services, event: ConversationReopened) -> ReopenOutcome:
    """Withdraw the ticket's unanswered prompt; a later close may ask again."""
    outcome = await reopen_conversation(
        services.store, event, make_decider(services.policy, services.rng),
        anonymity_key=services.policy.anonymity_key,
    )
    if outcome.settled is not None:
        count_prompt(services, outcome.settled)
    if outcome.withdrawn is not None:
        services.telemetry.prompt_status(PromptStatus.SKIPPED, SkipReason.REOPENED)
    return outcome


def count_prompt(services: Services, prompt: Prompt) -> None:
    """Count a decision as it is stored (ratebot_prompts_total)."""
    services.telemetry.prompt_status(prompt.status, prompt.reason or "")
