"""An admin with read access to the database tries to name the rater of each anonymous rating.

The attacker sees every column of prompts, ratings and follow-ups, and what the engines keep
besides: SQLite's `rowid`, PostgreSQL's `ctid` and `xmin`. A realistic week of traffic in an
anonymous team (prompts sent through the working day, most people answering within the hour,
some comments, some changed scores, the detractors' follow-ups) is recorded through the
recording flow, with the nightly anonymity job between days. For every way of ordering the
ratings against the prompts (and, on PostgreSQL, of joining them on `xmin`), the attacker
guesses the rater of each rating; the number it gets right must stay within what guessing at
random among the people of the team who answered that day gets right.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.domain.anonymity import answered_marker
from bot.domain.answers import Answer
from bot.domain.identity import PersonIdentity
from bot.domain.model import Anonymity
from bot.flows.anonymity import release_anonymous_batches
from bot.flows.recording import comment_on, record_answer
from bot.flows.settling import close_conversation
from bot.services import Services
from storage.base import receipt_hash
from storage.store import SqlStore
from tests.contract.support import ask_now, closed, team
from tests.fakes.clock import FakeClock

SEED = 20261206
TEAM = "people-ops"
STAFF = 16  # the team's requesters
ASKED_PER_DAY = 12
ANSWER_RATE = 0.85
MONDAY = datetime(2026, 11, 23, tzinfo=UTC)
DAYS = 5
# The chance that a guesser at random clears the bound below, over all strategies together.
FALSE_ALARM = 1e-3


@dataclass
class Traffic:
    """What the test knows and the attacker does not: who gave which rating."""

    rater_of_receipt: dict[str, int] = field(default_factory=dict)  # receipt hash -> person
    # Whether a rater taps a reason after the score: numbers of its own, so the traffic
    # is the same with or without the taps.
    taps: random.Random = field(default_factory=lambda: random.Random(SEED + 2))
    answerers: dict[date, set[int]] = field(default_factory=lambda: defaultdict(set))


async def _a_day(
    store: SqlStore, services: Services, clock: FakeClock, day: datetime, rng: random.Random,
    traffic: Traffic, tickets: itertools.count[int],
) -> None:
    """One working day: closes all day long, each answered (or not) a little later."""
    staff = [f"person{n}@example.com" for n in range(STAFF)]
    events: list[tuple[datetime, int, Callable[[], Any]]] = []
    for email in rng.sample(staff, ASKED_PER_DAY):
        sent = day + timedelta(hours=8, minutes=rng.uniform(0, 9 * 60))
        ticket = f"HR-{next(tickets)}"
        events.append((sent, 0, _sender(store, ticket, email, sent, rng, traffic, events)))
    events.sort(key=lambda event: (event[0], event[1]))
    while events:
        at, _, action = events.pop(0)
        clock.set(at)
        await action()
        events.sort(key=lambda event: (event[0], event[1]))


def _sender(
    store: SqlStore, ticket: str, email: str, sent: datetime, rng: random.Random,
    traffic: Traffic, events: list[tuple[datetime, int, Callable[[], Any]]],
) -> Callable[[], Any]:
    async def send() -> None:
        event = closed(ticket, email, team=TEAM, agent="agent@example.com", at=sent)
        outcome = await close_conversation(store, event, ask_now, now=sent)
        prompt_id = outcome.prompt.id
        await store.mark_sent(prompt_id, platform="slack", message_ref=f"ts-{ticket}",
                              sent_at=sent, expires_at=sent + timedelta(days=7))
        if rng.random() < ANSWER_RATE:
            # Most people answer within the hour, in about the order they were asked.
            answer_at = sent + timedelta(minutes=rng.expovariate(1 / 25))
            events.append((answer_at, 1, _answerer(store, prompt_id, email, answer_at, rng,
                                                   traffic, events)))
    return send


def _answerer(
    store: SqlStore, prompt_id: int, email: str, at: datetime, rng: random.Random,
    traffic: Traffic, events: list[tuple[datetime, int, Callable[[], Any]]],
) -> Callable[[], Any]:
    person = PersonIdentity(email=email)

    async def click() -> None:
        receipt = f"receipt-{rng.getrandbits(64):016x}"
        score = rng.choice([2, 5, 7, 8, 9, 9, 10, 10])
        result = await record_answer(store, Answer(prompt_id, person, score, at,
                                                   new_receipt=receipt))
        recipient = await store.find_person(email=email)
        assert recipient is not None
        traffic.rater_of_receipt[receipt_hash(receipt)] = recipient.id
        traffic.answerers[at.date()].add(recipient.id)
        if traffic.taps.random() < 0.6:  # a reason, tapped at once: its own transaction
            await store.set_reason(result.rating.id, traffic.taps.choice(["slow", "fast"]),
                                   on=True)
        later = at + timedelta(minutes=rng.uniform(1, 90))
        if rng.random() < 0.3:
            events.append((later, 2, lambda: comment_on(
                store, prompt_id, person, result.receipt, "Thanks for the quick help.", at=later,
            )))
        elif rng.random() < 0.15:
            events.append((later, 2, lambda: record_answer(store, Answer(
                prompt_id, person, rng.randint(0, 10), later, receipt=result.receipt,
                new_receipt="unused",
            ))))
    return click


async def _hidden_columns(
    store: SqlStore, table: str, key: str = "id"
) -> dict[Any, dict[str, Any]]:
    """Every column of `table` and the engine's own row order, keyed by `key`."""
    if store.engine.dialect.name == "sqlite":
        extra = "rowid AS hidden_order"
    else:
        extra = "ctid::text AS hidden_order, xmin::text::bigint AS xmin"
    async with store.engine.connect() as connection:
        rows = (await connection.execute(sa.text(f"SELECT {extra}, * FROM {table}"))).mappings()
        found = {row[key]: dict(row) for row in rows}
    for row in found.values():
        hidden = row["hidden_order"]
        if isinstance(hidden, str):  # a ctid: "(page,item)"
            page, item = hidden.strip("()").split(",")
            row["hidden_order"] = (int(page), int(item))
        for column, value in row.items():
            if column.endswith("_at") and isinstance(value, str):  # SQLite's text times
                row[column] = datetime.fromisoformat(value)
    return found


async def _reason_rows(store: SqlStore) -> dict[Any, dict[str, Any]]:
    """The first reason row of each rating, with PostgreSQL's row order and `xmin`. SQLite
    keeps these rows without a rowid, in key order: that of the ratings' random ids."""
    if store.engine.dialect.name == "sqlite":
        extra = "NULL AS hidden_order, NULL AS xmin"
    else:
        extra = "ctid::text AS hidden_order, xmin::text::bigint AS xmin"
    async with store.engine.connect() as connection:
        rows = (await connection.execute(
            sa.text(f"SELECT {extra}, * FROM rating_reasons"))).mappings()
        found: dict[Any, dict[str, Any]] = {}
        for row in rows:
            found.setdefault(row["rating_id"], dict(row))
    for row in found.values():
        if isinstance(row["hidden_order"], str):
            page, item = row["hidden_order"].strip("()").split(",")
            row["hidden_order"] = (int(page), int(item))
    return found


def _order(rows: Sequence[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: (row.get(key) is None, row.get(key) or 0, row["id"]))


def _guesses_by_rank(
    ratings: list[dict[str, Any]], prompts: list[dict[str, Any]], rating_key: str, prompt_key: str
) -> list[tuple[dict[str, Any], int | None]]:
    """The i-th rating in one order is taken to be the i-th answered prompt in another."""
    if not prompts:
        return [(rating, None) for rating in ratings]
    ranked = _order(ratings, rating_key)
    candidates = _order(prompts, prompt_key)
    scale = len(candidates) / len(ranked)
    return [
        (rating, candidates[min(len(candidates) - 1, int(i * scale))]["person_id"])
        for i, rating in enumerate(ranked)
    ]


def _guesses_by_join(
    ratings: list[dict[str, Any]], prompts: list[dict[str, Any]], rating_key: str,
    prompt_key: str,
) -> list[tuple[dict[str, Any], int | None]]:
    """A row written in the same transaction as another shares its `xmin`."""
    by_key = {p[prompt_key]: p["person_id"] for p in prompts if p[prompt_key] is not None}
    return [(rating, by_key.get(rating[rating_key])) for rating in ratings]


def _candidates(prompts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The prompts the attacker matches against: the answered ones if that shows (their
    status, or a replay marker it can compute: this test runs without a key)."""
    answered = [p for p in prompts if p["status"] == "answered" or p.get("marker_order")]
    delivered = [p for p in prompts if p["status"] in ("sent", "answered", "expired")]
    return answered or delivered


def _fixed_points(n: int) -> list[float]:
    """P(a random permutation of n has exactly j fixed points), j = 0..n."""
    derangements = [1, 0]
    for m in range(2, n + 1):
        derangements.append((m - 1) * (derangements[-1] + derangements[-2]))
    return [math.comb(n, j) * derangements[n - j] / math.factorial(n) for j in range(n + 1)]


def _chance_bound(answerers_per_day: list[int], strategies: int) -> int:
    """The fewest correct guesses that random guessing reaches with probability at most
    FALSE_ALARM / strategies (Bonferroni over the strategies tried).

    Guessing at random among a day's k answerers names each rater like a random
    permutation of them does: its fixed points. Days are independent: convolve.
    """
    total = [1.0]
    for k in answerers_per_day:
        day = _fixed_points(k)
        combined = [0.0] * (len(total) + len(day) - 1)
        for i, p in enumerate(total):
            for j, q in enumerate(day):
                combined[i + j] += p * q
        total = combined
    tail = 0.0
    for correct in range(len(total) - 1, -1, -1):
        tail += total[correct]
        if tail > FALSE_ALARM / strategies:
            return correct + 1
    return 0


async def test_an_anonymous_rating_names_its_rater_no_better_than_chance(
    store: SqlStore,
) -> None:
    await team(store, TEAM, anonymity=Anonymity.ANONYMOUS)
    rng = random.Random(SEED)
    clock = FakeClock(MONDAY)
    services = Services(store=store, clock=clock)
    shuffler = random.Random(SEED + 1)  # the nightly job's, seeded like the traffic
    traffic = Traffic()
    tickets = itertools.count(1)
    for offset in range(DAYS):
        day = MONDAY + timedelta(days=offset)
        await _a_day(store, services, clock, day, rng, traffic, tickets)
        # The nightly job, early the next morning.
        clock.set(day + timedelta(days=1, minutes=30))
        await release_anonymous_batches(services, rng=shuffler)

    ratings = list((await _hidden_columns(store, "ratings")).values())
    prompts = list((await _hidden_columns(store, "prompts")).values())
    follow_ups = await _hidden_columns(store, "follow_ups")
    markers = await _hidden_columns(store, "anonymous_answered", key="marker")
    for prompt in prompts:
        marker = markers.get(answered_marker("", prompt["id"]), {})
        prompt["marker_order"] = marker.get("hidden_order")
        prompt["marker_xmin"] = marker.get("xmin")
    for rating in ratings:
        found = [f for f in follow_ups.values() if f["rating_id"] == rating["id"]]
        rating["follow_up_id"] = found[0]["id"] if found else None
        rating["follow_up_xmin"] = found[0].get("xmin") if found else None
    assert len(ratings) == sum(len(people) for people in traffic.answerers.values())
    tapped = await _reason_rows(store)
    for rating in ratings:
        reason = tapped.get(rating["id"], {})
        rating["reason_order"] = reason.get("hidden_order")
        rating["reason_xmin"] = reason.get("xmin")
    assert tapped and set(tapped) <= {rating["id"] for rating in ratings}  # moved along

    rating_keys = ["id", "hidden_order", "rated_at", "updated_at", "follow_up_id"]
    prompt_keys = ["id", "hidden_order", "sent_at", "created_at", "updated_at", "answered_at",
                   "marker_order"]
    joins: list[tuple[str, str]] = []
    if store.engine.dialect.name != "sqlite":
        rating_keys += ["xmin", "reason_order", "reason_xmin"]
        prompt_keys += ["xmin", "marker_xmin"]
        joins = [("xmin", "xmin"), ("follow_up_xmin", "xmin"), ("xmin", "marker_xmin"),
                 ("follow_up_xmin", "marker_xmin"), ("reason_xmin", "xmin"),
                 ("reason_xmin", "marker_xmin")]
    strategies = len(rating_keys) * len(prompt_keys) + len(joins)

    correct: dict[str, int] = defaultdict(int)
    for day, answerers in traffic.answerers.items():
        of_day = [r for r in ratings if r["rated_at"].date() == day]
        sent = _candidates([p for p in prompts if p["sent_at"].date() == day])
        assert len(of_day) == len(answerers)
        for rating_key, prompt_key in itertools.product(rating_keys, prompt_keys):
            name = f"{rating_key} ~ {prompt_key}"
            for rating, guess in _guesses_by_rank(of_day, sent, rating_key, prompt_key):
                correct[name] += guess == traffic.rater_of_receipt[rating["receipt_hash"]]
        for rating_key, prompt_key in joins:
            for rating, guess in _guesses_by_join(of_day, sent, rating_key, prompt_key):
                correct[f"{rating_key} = {prompt_key}"] += (
                    guess == traffic.rater_of_receipt[rating["receipt_hash"]]
                )

    bound = _chance_bound([len(people) for people in traffic.answerers.values()], strategies)
    best = max(correct, key=lambda name: correct[name])
    print(f"{len(ratings)} ratings over {DAYS} days; chance bound {bound}; "
          f"best strategy {best!r}: {correct[best]} of {len(ratings)}")
    assert correct[best] < bound, {name: n for name, n in correct.items() if n >= bound}
