"""Closes in two steps: accepted by one statement, then settled in batches by the worker.

Accepting stores the close on its conversation row, undecided: `pending` holds what
settling needs (the people's identities and when it was accepted). Settling upserts
the people, gathers what the asking rules need for a whole batch in a few set-based
reads, runs the core's decider and stores the prompt, then clears `pending`. The
synchronous `close_conversation` is the same two steps in one transaction.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.decisions import Decider, SettleFailure
from bot.domain.errors import UnknownTeam
from bot.domain.events import ConversationClosed
from bot.domain.identity import PersonIdentity
from bot.domain.model import ConversationState, Prompt, PromptStatus
from storage.base import insert_on, normalize_email
from storage.batch_facts import BatchFacts, gather
from storage.guard import is_unavailable
from storage.prepared import prepared
from storage.rows import prompt_from
from storage.schema import conversations, prompts, teams
from storage.types import UtcDateTime

GAVE_UP = "could not be processed"
# Between failed attempts at one close: 10 s, 20 s, 40 s, ... so a passing fault (a
# deadlock, a restart of the database) clears, while a poison close is given up on soon.
RETRY_BASE = timedelta(seconds=10)

_CLOSED = ConversationState.CLOSED.value

# --------------------------------------------------------------------------- accept

# What settling reads of a conversation; the accept returns the same columns.
_SETTLE_COLUMNS = (
    conversations.c.id,
    conversations.c.source,
    conversations.c.external_id,
    conversations.c.team_id,
    conversations.c.round,
    conversations.c.always_ask,
    conversations.c.requester_id,
    conversations.c.agent_id,
    conversations.c.pending,
    conversations.c.pending_attempts,
)


# What an accepted close stores, as bind parameters: (name, type).
_CLOSE_VALUES: tuple[tuple[str, Any], ...] = (
    ("source", sa.String),
    ("external_id", sa.String),
    ("team", sa.String),
    ("subject", sa.Text),
    ("always_ask", sa.Boolean),
    ("closed_at", UtcDateTime()),
    ("created_at", UtcDateTime()),
    ("pending", sa.Text),
)
# Closes stored by one statement at most; a larger group takes several.
MANY_AT_ONCE = 32


def _statement_for(dialect: str, *, count: int) -> Any:
    """Insert `count` closes, or re-close reopened conversations; closed ones are left alone.

    The values are joined to their team by name, so a close for an unknown team inserts
    nothing, and a row back means a new close: one statement both stores the closes and
    says which are new. A closed conversation's row is only updated from a state other
    than closed, so the same close twice is a duplicate even between replicas
    (PostgreSQL makes the second upsert wait for the first and re-checks the WHERE).
    Parameters are named `<value>_<n>` for the n-th close.
    """
    each = [
        sa.select(
            *(sa.bindparam(f"{name}_{n}", type_=type_).label(name) for name, type_ in _CLOSE_VALUES)
        )
        for n in range(count)
    ]
    rows = (sa.union_all(*each) if count > 1 else each[0]).subquery("closes")
    source = (
        sa.select(
            rows.c.source,
            rows.c.external_id,
            teams.c.id,
            rows.c.subject,
            sa.literal(_CLOSED, sa.String),
            sa.literal(1, sa.Integer),
            rows.c.always_ask,
            rows.c.closed_at,
            rows.c.created_at,
            rows.c.pending,
            sa.literal(0, sa.Integer),
        )
        .select_from(rows.join(teams, teams.c.name == rows.c.team))
        # SQLite reads "ON CONFLICT" after a join as the join's ON without a WHERE.
        .where(sa.true())
    )
    insert = insert_on(dialect, conversations).from_select(
        [
            "source", "external_id", "team_id", "subject", "state", "round", "always_ask",
            "closed_at", "created_at", "pending", "pending_attempts",
        ],
        source,
    )
    new = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[conversations.c.source, conversations.c.external_id],
        set_={
            "state": _CLOSED,
            "round": conversations.c.round + 1,
            "team_id": new.team_id,
            "subject": sa.func.coalesce(new.subject, conversations.c.subject),
            "always_ask": new.always_ask,
            "closed_at": new.closed_at,
            "pending": new.pending,
            "pending_attempts": 0,
            "pending_retry_at": None,
        },
        where=conversations.c.state != _CLOSED,
    ).returning(*_SETTLE_COLUMNS)


# One statement per dialect and number of closes, built on first use.
_ACCEPTS = {
    count: prepared(functools.partial(_statement_for, count=count))
    for count in range(1, MANY_AT_ONCE + 1)
}


_TEAM_EXISTS = prepared(
    lambda _: sa.select(teams.c.id).where(teams.c.name == sa.bindparam("team"))
)


async def accept(connection: AsyncConnection, event: ConversationClosed, now: datetime) -> Any:
    """Store the close; its row (the `_SETTLE_COLUMNS`) when new, None for a duplicate.

    Raise `UnknownTeam`, checked only when nothing was stored: the one statement of a
    new close already proved the team exists.
    """
    (outcome,) = await accept_many(connection, [(event, now)])
    if isinstance(outcome, UnknownTeam):
        raise outcome
    return outcome


async def accept_many(
    connection: AsyncConnection, closes: Sequence[tuple[ConversationClosed, datetime]]
) -> list[Any]:
    """`accept` for closes that arrived together, in as few statements as their number
    allows: for each, its row when new, None for a duplicate, or an `UnknownTeam`.

    The same ticket twice in one group is the second time a duplicate of the first, as
    if they had come one after the other: the repeats are stored after the others.
    """
    outcomes: list[Any] = [None] * len(closes)
    first: dict[tuple[str, str], int] = {}
    repeats: list[int] = []
    for index, (event, _) in enumerate(closes):
        key = (event.source, event.ticket_id)
        if key in first:
            repeats.append(index)
        else:
            first[key] = index
    # In key order: two replicas storing overlapping groups lock their rows alike.
    unique = sorted(first.items())
    for start in range(0, len(unique), MANY_AT_ONCE):
        chunk = [index for _, index in unique[start:start + MANY_AT_ONCE]]
        parameters: dict[str, Any] = {}
        for n, index in enumerate(chunk):
            event, now = closes[index]
            parameters.update(_close_parameters(event, now, n))
        stored = await connection.execute(_ACCEPTS[len(chunk)](connection), parameters)
        by_key = {(row.source, row.external_id): row for row in stored}
        for index in chunk:
            event = closes[index][0]
            outcomes[index] = by_key.get((event.source, event.ticket_id))
    for index in repeats:
        outcomes[index] = (await accept_many(connection, [closes[index]]))[0]
    for index, (event, _) in enumerate(closes):
        if outcomes[index] is None and index not in repeats:
            found = await connection.execute(_TEAM_EXISTS(connection), {"team": event.team})
            if found.first() is None:
                outcomes[index] = UnknownTeam(event.team)
    return outcomes


def _close_parameters(event: ConversationClosed, now: datetime, n: int) -> dict[str, Any]:
    return {
        f"source_{n}": event.source,
        f"external_id_{n}": event.ticket_id,
        f"team_{n}": event.team,
        f"subject_{n}": event.subject,
        f"always_ask_{n}": event.always_ask,
        f"closed_at_{n}": event.closed_at,
        f"created_at_{n}": now,
        f"pending_{n}": _payload(event, now),
    }


# --------------------------------------------------------------------------- the payload

# Short keys: the payload is written on every close and read once.
_IDENTITY_KEYS = (
    ("e", "email"), ("n", "display_name"), ("s", "slack_user_id"), ("t", "teams_user_id"),
)


def _payload(event: ConversationClosed, now: datetime) -> str:
    requester = PersonIdentity(
        email=event.requester_email, display_name=event.requester_name,
        slack_user_id=event.requester_slack_id, teams_user_id=event.requester_teams_id,
    )
    agent = PersonIdentity(
        email=event.agent_email, display_name=event.agent_name,
        slack_user_id=event.agent_slack_id, teams_user_id=event.agent_teams_id,
    )
    return json.dumps(
        {"at": now.isoformat(), "r": _identity_json(requester), "a": _identity_json(agent)},
        separators=(",", ":"),
    )


def _identity_json(identity: PersonIdentity) -> dict[str, str]:
    return {short: value for short, name in _IDENTITY_KEYS if (value := getattr(identity, name))}


@dataclass(frozen=True, slots=True)
class Payload:
    accepted_at: datetime
    requester: PersonIdentity
    agent: PersonIdentity


def parse_payload(text: str) -> Payload:
    data = json.loads(text)
    return Payload(
        accepted_at=datetime.fromisoformat(data["at"]),
        requester=_identity_from(data.get("r", {})),
        agent=_identity_from(data.get("a", {})),
    )


def _identity_from(data: dict[str, str]) -> PersonIdentity:
    return PersonIdentity(**{name: data.get(short) for short, name in _IDENTITY_KEYS})


def scrub_payload(text: str, person: PersonIdentity) -> str | None:
    """The payload without any identity matching `person`; None when nothing matched.

    `forget` calls this so a person's email and name do not outlive them in a close not
    yet settled: that close is then decided as for a forgotten person.
    """
    data = json.loads(text)
    changed = False
    for role in ("r", "a"):
        identity = _identity_from(data.get(role, {}))
        if _same_person(identity, person):
            data[role] = {}
            changed = True
    return json.dumps(data, separators=(",", ":")) if changed else None


def _same_person(identity: PersonIdentity, person: PersonIdentity) -> bool:
    pairs = (
        (normalize_email(identity.email), normalize_email(person.email)),
        (identity.slack_user_id, person.slack_user_id),
        (identity.teams_user_id, person.teams_user_id),
    )
    return any(given is not None and given == stored for given, stored in pairs)


# --------------------------------------------------------------------------- claim


@prepared
def _claim_batch(dialect: str) -> Any:
    query = (
        sa.select(*_SETTLE_COLUMNS)
        .where(
            conversations.c.pending.is_not(None),
            sa.or_(
                conversations.c.pending_retry_at.is_(None),
                conversations.c.pending_retry_at <= sa.bindparam("now", type_=UtcDateTime()),
            ),
        )
        .order_by(conversations.c.id)
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )
    if dialect == "postgresql":
        # Several replicas settle side by side, never the same close twice.
        query = query.with_for_update(skip_locked=True)
    return query


@prepared
def _claim_one(dialect: str) -> Any:
    query = sa.select(*_SETTLE_COLUMNS).where(
        conversations.c.id == sa.bindparam("conversation_id"),
        conversations.c.pending.is_not(None),
    )
    if dialect == "postgresql":
        # Waits for a worker settling it right now; then it is no longer pending.
        query = query.with_for_update()
    return query


async def claim_batch(connection: AsyncConnection, *, now: datetime, limit: int) -> list[Any]:
    return list(
        (await connection.execute(_claim_batch(connection), {"now": now, "limit": limit})).all()
    )


async def claim_one(connection: AsyncConnection, conversation_id: int) -> Any:
    """The conversation's pending close, locked, or None when nothing is pending."""
    found = await connection.execute(
        _claim_one(connection), {"conversation_id": conversation_id}
    )
    return found.first()


# --------------------------------------------------------------------------- settle

_SAVEPOINT = sa.text("SAVEPOINT ratebot_settle")
_ROLLBACK_TO = sa.text("ROLLBACK TO SAVEPOINT ratebot_settle")
_RELEASE = sa.text("RELEASE SAVEPOINT ratebot_settle")


@dataclass(frozen=True, slots=True)
class Settled:
    prompts: list[Prompt]
    failures: list[SettleFailure]


async def settle(
    connection: AsyncConnection,
    rows: Sequence[Any],
    decide: Decider,
    *,
    now: datetime,
    max_attempts: int | None,
) -> Settled:
    """Store a decision for every claimed row, on the caller's transaction.

    Without `max_attempts` an error propagates and the caller's whole transaction rolls
    back (`close_conversation`). With it, the batch is first settled as a whole in a
    savepoint (a few statements for all of it); if that raises, the batch is settled
    again close by close, each in a savepoint of its own, so that one bad close is
    rolled back alone and counted (`SettleFailure`) while the others go on.

    Everything a close's values can break is inside the savepoints, the batch's reads of
    people included: PostgreSQL refuses a whole transaction after an error outside one.
    An outage is no fault of a close: it propagates uncounted, for the round to retry.
    """
    if max_attempts is None:
        return Settled(await _settle_rows(connection, rows, decide, now), [])
    try:
        async with _savepoint(connection):
            settled = await _settle_rows(connection, rows, decide, now)
    except Exception as error:
        if is_unavailable(error):
            raise
        return await _settle_each(connection, rows, decide, now, max_attempts)
    return Settled(settled, [])


@asynccontextmanager
async def _savepoint(connection: AsyncConnection) -> AsyncIterator[None]:
    """What runs inside is rolled back alone when it raises; the error goes on."""
    await connection.execute(_SAVEPOINT)
    try:
        yield
    except Exception:
        await connection.execute(_ROLLBACK_TO)
        await connection.execute(_RELEASE)
        raise
    await connection.execute(_RELEASE)


async def _settle_each(
    connection: AsyncConnection, rows: Sequence[Any], decide: Decider, now: datetime,
    max_attempts: int,
) -> Settled:
    """Each close with facts of its own: the batch's facts may be what failed."""
    settled: list[Prompt] = []
    failures: list[SettleFailure] = []
    for row in rows:
        try:
            async with _savepoint(connection):
                settled.extend(await _settle_rows(connection, [row], decide, now))
        except Exception as error:
            if is_unavailable(error):
                raise
            failure, given_up = await _failed(connection, row, error, now, max_attempts)
            failures.append(failure)
            if given_up is not None:
                settled.append(given_up)
    return Settled(settled, failures)


async def _gather_for(
    connection: AsyncConnection, rows: Sequence[Any]
) -> tuple[BatchFacts, list[Payload]]:
    """The rows' facts and payloads; a payload that cannot be read raises its error."""
    payloads = [parse_payload(row.pending) for row in rows]
    facts = await gather(
        connection,
        team_ids={row.team_id for row in rows},
        person_ids={i for row in rows for i in (row.requester_id, row.agent_id) if i},
        identities=[who for payload in payloads for who in (payload.requester, payload.agent)],
    )
    return facts, payloads


# The columns to set come with the parameters (`b_id` picks the row).
_UPDATE_CONVERSATION = prepared(
    lambda _: sa.update(conversations).where(conversations.c.id == sa.bindparam("b_id"))
)


@prepared
def _insert_prompts(dialect: str) -> Any:
    return (
        insert_on(dialect, prompts)
        .on_conflict_do_nothing(index_elements=[prompts.c.conversation_id, prompts.c.round])
        .returning(*prompts.c)
    )


_PROMPT_OF_ROUND = prepared(
    lambda _: sa.select(prompts).where(
        prompts.c.conversation_id == sa.bindparam("conversation_id"),
        prompts.c.round == sa.bindparam("round"),
    )
)


async def prompt_of_round(connection: AsyncConnection, conversation_id: int, round_: int) -> Any:
    found = await connection.execute(
        _PROMPT_OF_ROUND(connection), {"conversation_id": conversation_id, "round": round_}
    )
    return found.first()


async def _settle_rows(
    connection: AsyncConnection, rows: Sequence[Any], decide: Decider, now: datetime
) -> list[Prompt]:
    """Read the rows' facts, decide every row in memory, then store them all at once."""
    facts, payloads = await _gather_for(connection, rows)
    await facts.insert_new(
        connection,
        [(who, payload.accepted_at) for payload in payloads
         for who in (payload.requester, payload.agent)],
    )
    conversation_values: list[dict[str, Any]] = []
    prompt_values: list[dict[str, Any]] = []
    for row, payload in zip(rows, payloads, strict=True):
        at = payload.accepted_at
        requester = await facts.resolve(connection, payload.requester, at)
        agent = await facts.resolve(connection, payload.agent, at)
        # A reopened conversation closed again without names keeps the people it had.
        requester = requester or facts.person(row.requester_id)
        agent = agent or facts.person(row.agent_id)
        context = await facts.context(
            connection, team=facts.teams[row.team_id], requester=requester, agent=agent,
            always_ask=bool(row.always_ask), now=at,
        )
        decision = decide(context)
        if decision.asks and requester is not None:
            facts.asked(requester.id, at)
        conversation_values.append({
            "b_id": row.id,
            "requester_id": requester and requester.id,
            "agent_id": agent and agent.id,
            "pending": None,
            "pending_attempts": 0,
            "pending_retry_at": None,
        })
        prompt_values.append({
            "conversation_id": row.id,
            "round": row.round,
            "team_id": row.team_id,
            "person_id": requester and requester.id,
            "status": decision.status.value,
            "reason": decision.reason.value if decision.reason else None,
            "attempts": 0,
            "next_attempt_at": decision.due_at if decision.asks else None,
            "created_at": at,
            "updated_at": max(at, now),
        })
    await connection.execute(_UPDATE_CONVERSATION(connection), conversation_values)
    inserted = await connection.execute(_insert_prompts(connection), prompt_values)
    stored = {row.conversation_id: row for row in inserted.all()}
    settled: list[Prompt] = []
    for row in rows:
        prompt = stored.get(row.id)
        if prompt is None:  # the round's prompt existed already: it is the decision
            prompt = await prompt_of_round(connection, row.id, row.round)
        settled.append(prompt_from(prompt))
    return settled


async def _failed(
    connection: AsyncConnection, row: Any, error: Exception, now: datetime, max_attempts: int
) -> tuple[SettleFailure, Prompt | None]:
    """Count the failed attempt; at the cap, store the close as a failed prompt."""
    attempts = row.pending_attempts + 1
    given_up: Prompt | None = None
    if attempts < max_attempts:
        await connection.execute(
            _UPDATE_CONVERSATION(connection),
            {
                "b_id": row.id,
                "pending_attempts": attempts,
                "pending_retry_at": now + RETRY_BASE * 2 ** (attempts - 1),
            },
        )
    else:
        await connection.execute(
            _UPDATE_CONVERSATION(connection),
            {"b_id": row.id, "pending_attempts": attempts, "pending": None,
             "pending_retry_at": None},
        )
        inserted = (
            await connection.execute(
                _insert_prompts(connection),
                {
                    "conversation_id": row.id,
                    "round": row.round,
                    "team_id": row.team_id,
                    "person_id": row.requester_id,
                    "status": PromptStatus.FAILED.value,
                    "reason": GAVE_UP,
                    "attempts": 0,
                    "next_attempt_at": None,
                    "created_at": now,
                    "updated_at": now,
                },
            )
        ).first()
        if inserted is not None:
            given_up = prompt_from(inserted)
    failure = SettleFailure(
        source=row.source, ticket_id=row.external_id, attempts=attempts,
        gave_up=attempts >= max_attempts, error=error,
    )
    return failure, given_up
