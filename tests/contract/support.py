"""Small builders the contract tests share: events, answers and simple deciders."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.domain.answers import Answer, RatingResult
from bot.domain.decisions import AskContext, Decision
from bot.domain.errors import UnknownTeam
from bot.domain.events import ConversationClosed
from bot.domain.identity import PersonIdentity
from bot.domain.model import Anonymity, Prompt, PromptStatus, SkipReason, Team
from bot.flows.recording import record_answer
from bot.flows.settling import close_conversation
from storage.store import SqlStore

ADMIN = "admin@example.com"
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday
JAN = "jan@example.com"
PIET = "piet@example.com"

_receipts = itertools.count(1)


def ask_now(context: AskContext) -> Decision:
    return Decision(PromptStatus.PENDING, due_at=context.now)


async def accept_close(store: SqlStore, event: ConversationClosed, *, now: datetime) -> bool:
    """Accept one close in a transaction of its own, as the webhook does without a batcher."""
    (outcome,) = await store.accept_closes([(event, now)])
    if isinstance(outcome, UnknownTeam):
        raise outcome
    return outcome


def skip_because(reason: SkipReason) -> Decision:
    return Decision(PromptStatus.SKIPPED, reason=reason)


@dataclass
class Recorder:
    """A decider that asks at once and remembers every context it was given."""

    contexts: list[AskContext] = field(default_factory=list)

    def __call__(self, context: AskContext) -> Decision:
        self.contexts.append(context)
        return ask_now(context)


def closed(
    ticket: str,
    email: str | None = JAN,
    *,
    team: str = "servicedesk",
    agent: str | None = PIET,
    at: datetime = T0,
    **extra: object,
) -> ConversationClosed:
    return ConversationClosed(
        source="generic",
        ticket_id=ticket,
        requester_email=email,
        team=team,
        closed_at=at,
        subject=f"Subject of {ticket}",
        agent_email=agent,
        **extra,  # type: ignore[arg-type]
    )


def answer(
    prompt: Prompt | int,
    score: int,
    *,
    email: str = JAN,
    at: datetime = T0,
    receipt: str | None = None,
) -> Answer:
    return Answer(
        prompt_id=prompt if isinstance(prompt, int) else prompt.id,
        person=PersonIdentity(email=email),
        score=score,
        at=at,
        receipt=receipt,
        new_receipt=f"receipt-{next(_receipts)}",
    )


async def answered(store: SqlStore, given: Answer) -> RatingResult:
    """Record an answer as a click does: the recording flow's one transaction on `store`."""
    return await record_answer(store, given)


async def team(
    store: SqlStore, name: str = "servicedesk", anonymity: Anonymity = Anonymity.IDENTIFIED
) -> Team:
    created = await store.add_team(name, display_name=name.title(), actor=ADMIN, at=T0)
    if anonymity is not Anonymity.IDENTIFIED:
        created = await store.update_team(name, {"anonymity": anonymity}, actor=ADMIN, at=T0)
    return created


async def sent_prompt(store: SqlStore, ticket: str, email: str = JAN, **extra: object) -> Prompt:
    """Close a ticket and deliver its prompt: the state a click arrives in."""
    outcome = await close_conversation(store, closed(ticket, email, **extra), ask_now, now=T0)
    await store.mark_sent(
        outcome.prompt.id,
        platform="test",
        message_ref=f"msg-{ticket}",
        sent_at=T0,
        expires_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
    )
    prompt = await store.get_prompt(outcome.prompt.id)
    assert prompt is not None
    return prompt
