"""Settling: accepted closes become decisions, each flow one transaction of its own.

The flow claims closes, has the store find (or insert) their people and read the
batch's facts set-based, decides every close in the core (`bot.domain.asking_rules`),
and writes the decisions back; all of it inside one `Store.transaction()`. A close
whose settling raises is rolled back alone (a savepoint each) and retried later; after
`max_attempts` it is stored as a failed prompt, so one poisoned row never stops the queue.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from datetime import datetime

from bot.domain.anonymity import answered_marker
from bot.domain.asking_rules import decide_closes, given_up, retry_at
from bot.domain.decisions import (
    CloseOutcome,
    Decider,
    PendingClose,
    ReopenOutcome,
    SettleFailure,
    SettleReport,
)
from bot.domain.errors import StoreUnavailable, UnknownTeam
from bot.domain.events import ConversationClosed, ConversationReopened
from bot.domain.model import Prompt, PromptStatus
from bot.domain.request_checks import checks_to_open
from bot.domain.untrusted import loggable
from bot.ports.store import Store

log = logging.getLogger(__name__)


async def settle_closes(
    store: Store, decide: Decider, *, now: datetime, limit: int, max_attempts: int
) -> SettleReport:
    """Claim up to `limit` accepted closes (SKIP LOCKED) and store the decision of each.

    The batch is first settled as a whole, in one transaction of a few statements; if
    that raises, it is rolled back and claimed again, to be settled close by close, so
    that one bad close is rolled back alone and counted. The fallback takes a second
    transaction rather than a savepoint around the first try: on SQLite a savepoint
    copies every page the batch writes to a journal of its own, a third of the cost of
    settling. An outage is no fault of a close: it propagates uncounted, for the round
    to retry. Run it outside any `Store.transaction()`: it takes its own.
    """
    try:
        async with store.transaction() as tx:
            closes = await tx.claim_closes(now=now, limit=limit)
            settled = await _settle(tx, closes, decide, now) if closes else []
            return SettleReport(claimed=len(closes), prompts=settled, failures=[])
    except StoreUnavailable:
        raise
    except Exception:
        pass  # rolled back as a whole: settled again below, close by close
    async with store.transaction() as tx:
        closes = await tx.claim_closes(now=now, limit=limit)
        return await _settle_each(tx, closes, decide, now, max_attempts)


async def close_conversation(
    store: Store, event: ConversationClosed, decide: Decider, *, now: datetime
) -> CloseOutcome:
    """Accept and settle one close in one transaction: the worker's work, for one close.

    One prompt per (source, ticket, round): the same close again returns the stored
    prompt with `created=False`. Raise `UnknownTeam`.
    """
    async with store.transaction() as tx:
        (accepted,) = await tx.accept_closes([(event, now)])
        if isinstance(accepted, UnknownTeam):
            raise accepted
        conversation = await tx.find_conversation(event.source, event.ticket_id)
        assert conversation is not None, "an accepted close has its conversation"
        # A duplicate's earlier close may still wait for the worker: its decision answers.
        settled = await _settle_pending(tx, conversation.id, decide, now)
        if settled is None:
            settled = await tx.prompt_of_round(conversation.id, conversation.round)
            assert settled is not None, "a settled close has its prompt"
        return CloseOutcome(created=accepted, prompt=settled)


async def reopen_conversation(
    store: Store, event: ConversationReopened, decide: Decider, *, anonymity_key: str = ""
) -> ReopenOutcome:
    """Withdraw the round's unanswered prompt; a close still pending is settled first.

    Every decision stays on record: a close the worker has not decided yet is decided,
    then withdrawn like any other. An answered prompt of an anonymous team still reads
    "sent": its answered marker (keyed by `anonymity_key`) keeps it from being withdrawn.
    """
    async with store.transaction() as tx:
        conversation = await tx.find_conversation(event.source, event.ticket_id)
        if conversation is None:
            return ReopenOutcome(found=False, withdrawn=None)
        settled = await _settle_pending(tx, conversation.id, decide, event.reopened_at)
        current = await tx.prompt_of_round(conversation.id, conversation.round)
        if current is not None and await _answered_anonymously(tx, current, anonymity_key):
            return ReopenOutcome(found=True, withdrawn=None, settled=settled)
        withdrawn = await tx.withdraw_round(conversation, at=event.reopened_at)
        return ReopenOutcome(found=True, withdrawn=withdrawn, settled=settled)


async def _answered_anonymously(tx: Store, prompt: Prompt, key: str) -> bool:
    """An anonymous team's answered prompt still reads "sent"; only its marker knows."""
    if prompt.status is not PromptStatus.SENT:
        return False
    return await tx.was_answered(answered_marker(key, prompt.id))


async def _settle_pending(
    tx: Store, conversation_id: int, decide: Decider, now: datetime
) -> Prompt | None:
    """Settle the conversation's pending close here if the worker has not; its prompt."""
    close = await tx.claim_pending_close(conversation_id)
    if close is None:
        return None
    (settled,) = await _settle(tx, [close], decide, now)
    return settled


async def _settle(
    tx: Store, closes: Sequence[PendingClose], decide: Decider, now: datetime
) -> list[Prompt]:
    """Find the closes' people, read the batch's facts, decide in memory, store it all."""
    named = await tx.resolve_people([
        (who, close.accepted_at or now)
        for close in closes
        for who in (close.requester, close.agent)
    ])
    people = list(zip(named[0::2], named[1::2], strict=True))
    person_ids = {person.id for pair in people for person in pair if person is not None}
    person_ids.update(
        known for close in closes for known in (close.requester_id, close.agent_id) if known
    )
    facts = await tx.asking_facts(
        team_ids={close.team_id for close in closes}, person_ids=person_ids,
        known=[person for person in named if person is not None],
    )
    settlements = decide_closes(closes, people, facts, decide, now=now)
    stored = await tx.store_settlements(settlements)
    # Mutual rating: the agent's check is opened with the close, once per conversation.
    await tx.open_request_checks(checks_to_open(settlements, facts), now=now)
    return stored


async def _settle_each(
    tx: Store, closes: Sequence[PendingClose], decide: Decider, now: datetime,
    max_attempts: int,
) -> SettleReport:
    """Each close with facts of its own: the batch's facts may be what failed."""
    settled: list[Prompt] = []
    failures: list[SettleFailure] = []
    for close in closes:
        try:
            async with tx.savepoint():
                settled.extend(await _settle(tx, [close], decide, now))
        except StoreUnavailable:
            raise
        except Exception as error:
            attempts = close.failed_attempts + 1
            gave_up = attempts >= max_attempts
            if gave_up:
                settled.extend(await tx.store_settlements([given_up(close, now=now)]))
            else:
                await tx.put_off_close(
                    close.conversation_id, failed_attempts=attempts,
                    retry_at=retry_at(close, now),
                )
            failures.append(SettleFailure(
                source=close.source, ticket_id=close.ticket_id, attempts=attempts,
                gave_up=gave_up, error=error,
            ))
    return SettleReport(claimed=len(closes), prompts=settled, failures=failures)


def log_settle_failure(failure: SettleFailure, *, to: logging.Logger = log) -> None:
    outcome = "given up, stored as failed" if failure.gave_up else "retried later"
    log_without_message(
        f"settling close failed (source {loggable(failure.source)}, "
        f"ticket {loggable(failure.ticket_id)}, "
        f"attempt {failure.attempts}, {outcome})",
        failure.error,
        to=to,
    )


def log_without_message(what: str, error: BaseException, *, to: logging.Logger = log) -> None:
    """Log an error's type and frames, never its message.

    Database errors quote their parameters, which hold the emails and names of a
    pending close. The frames say where; the type says what.
    """
    frames = "".join(traceback.format_tb(error.__traceback__))
    to.error("%s: %s; message withheld\n%s", what, type(error).__qualname__, frames)
