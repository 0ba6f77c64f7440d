"""A batch decided in memory: each close sees the batch's earlier asks; no store involved."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.asking_rules import (
    GAVE_UP,
    UnreadableClose,
    decide_closes,
    decider,
    due_prompts,
    given_up,
    retry_at,
)
from bot.domain.decisions import AskingFacts, ClaimedPrompt, PendingClose
from bot.domain.model import Person, Prompt, PromptStatus, SkipReason, Team

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
TEAM = Team(id=1, name="servicedesk", display_name="Service Desk")
JAN = Person(id=10, email="jan@example.com")
PIET = Person(id=20, email="piet@example.com")
SALES = Person(id=30, email="sales@vendor.com")
RULES = decider(14, random.Random(1))


def pending(number: int, *, at: datetime | None = NOW, failed: int = 0) -> PendingClose:
    return PendingClose(
        conversation_id=number, source="generic", ticket_id=f"T-{number}", team_id=TEAM.id,
        round=1, always_ask=False, requester_id=None, agent_id=None, failed_attempts=failed,
        accepted_at=at,
    )


def facts(**changes: object) -> AskingFacts:
    people = {person.id: person for person in (JAN, PIET, SALES)}
    return AskingFacts(teams={TEAM.id: TEAM}, people=people, **changes)  # type: ignore[arg-type]


def test_a_person_is_asked_once_per_batch_then_in_cooldown() -> None:
    closes = [pending(1), pending(2, at=NOW + timedelta(minutes=5))]
    first, second = decide_closes(closes, [(JAN, PIET), (JAN, None)], facts(), RULES, now=NOW)
    assert (first.status, first.requester_id, first.agent_id) == (PromptStatus.PENDING, 10, 20)
    assert (second.status, second.reason) == (PromptStatus.SKIPPED, SkipReason.COOLDOWN.value)
    assert second.updated_at == NOW + timedelta(minutes=5)


def test_a_skip_does_not_count_as_an_ask_for_the_next_close() -> None:
    closes = [pending(1), pending(2)]
    first, second = decide_closes(
        closes, [(PIET, PIET), (PIET, None)], facts(), RULES, now=NOW
    )
    assert first.reason == SkipReason.OWN_AGENT.value
    assert second.status is PromptStatus.PENDING


def test_the_store_facts_decide_agents_exclusions_and_earlier_asks() -> None:
    known = facts(
        agents=frozenset({PIET.id}), excluded=frozenset({"@vendor.com"}),
        last_asked={JAN.id: NOW - timedelta(days=3)},
    )
    settled = decide_closes(
        [pending(1), pending(2), pending(3)], [(JAN, None), (PIET, None), (SALES, None)],
        known, RULES, now=NOW,
    )
    assert [s.reason for s in settled] == [
        SkipReason.COOLDOWN.value, SkipReason.IS_AGENT.value, SkipReason.EXCLUDED.value,
    ]


def test_people_of_an_earlier_round_stand_in_when_a_close_names_nobody() -> None:
    close = PendingClose(
        conversation_id=1, source="generic", ticket_id="T-1", team_id=TEAM.id, round=2,
        always_ask=False, requester_id=JAN.id, agent_id=PIET.id, failed_attempts=0,
        accepted_at=NOW,
    )
    (settled,) = decide_closes([close], [(None, None)], facts(), RULES, now=NOW)
    assert (settled.requester_id, settled.agent_id) == (JAN.id, PIET.id)


def test_a_close_that_cannot_be_read_raises_for_its_savepoint() -> None:
    with pytest.raises(UnreadableClose):
        decide_closes([pending(1, at=None)], [(None, None)], facts(), RULES, now=NOW)


def test_failed_settling_backs_off_then_gives_up_as_a_failed_prompt() -> None:
    assert retry_at(pending(1, failed=0), NOW) == NOW + timedelta(seconds=10)
    assert retry_at(pending(1, failed=3), NOW) == NOW + timedelta(seconds=80)
    failed = given_up(pending(1, failed=4), now=NOW)
    assert (failed.status, failed.reason, failed.failed_attempts) == (
        PromptStatus.FAILED, GAVE_UP, 5,
    )


def claimed(prompt_id: int, person: Person, *, created: datetime = NOW) -> ClaimedPrompt:
    prompt = Prompt(
        id=prompt_id, conversation_id=prompt_id, round=1, team_id=TEAM.id, person_id=person.id,
        status=PromptStatus.PENDING, reason=None, attempts=0, next_attempt_at=NOW,
        created_at=created,
    )
    return ClaimedPrompt(
        prompt=prompt, subject=None, ticket_id=f"T-{prompt_id}", agent_id=PIET.id,
        always_ask=False, claim_token="token",
    )


def test_at_send_time_the_other_prompts_of_the_claim_count_as_asks() -> None:
    batch = [claimed(1, JAN), claimed(2, JAN, created=NOW + timedelta(minutes=1)),
             claimed(3, SALES)]
    first, second, third = due_prompts(batch, facts(), now=NOW + timedelta(hours=1))
    assert first.context.last_asked_at == NOW + timedelta(minutes=1)
    assert second.context.last_asked_at == NOW
    assert third.context.last_asked_at is None
    assert first.context.at_send_time and first.context.agent == PIET
    assert (first.claim_token, first.ticket_id) == ("token", "T-1")
