"""The asking rules (principle 7), as a pure function of what the store gathered."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.decisions import AskContext
from bot.domain.model import Person, PromptStatus, SkipReason, Team
from bot.flows.asking import make_decider, skip_reason
from bot.services import Policy

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
TEAM = Team(id=1, name="servicedesk", display_name="Service Desk")
JAN = Person(id=10, email="jan@example.com")
PIET = Person(id=20, email="piet@example.com")
POLICY = Policy(cooldown_days=14)


def context(**changes: object) -> AskContext:
    base = AskContext(
        now=NOW, team=TEAM, requester=JAN, agent=PIET, requester_is_agent=False,
        requester_excluded=False, last_asked_at=None, always_ask=False, at_send_time=False,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def reason(ctx: AskContext, rng: random.Random | None = None) -> SkipReason | None:
    return skip_reason(ctx, POLICY, rng or random.Random(1))


def test_an_ordinary_requester_is_asked() -> None:
    assert reason(context()) is None


def test_opted_out_people_are_never_asked_not_even_with_always_ask() -> None:
    opted_out = replace(JAN, opted_out=True)
    assert reason(context(requester=opted_out)) is SkipReason.OPTED_OUT
    assert reason(context(requester=opted_out, always_ask=True)) is SkipReason.OPTED_OUT


def test_excluded_people_are_not_asked() -> None:
    assert reason(context(requester_excluded=True)) is SkipReason.EXCLUDED


def test_it_staff_are_not_asked_about_it() -> None:
    assert reason(context(requester_is_agent=True)) is SkipReason.IS_AGENT


def test_the_tickets_own_agent_is_not_asked() -> None:
    assert reason(context(agent=JAN, requester_is_agent=True)) is SkipReason.OWN_AGENT


def test_forgotten_requesters_are_not_asked() -> None:
    assert reason(context(requester=None)) is SkipReason.FORGOTTEN


def test_cooldown_spans_all_teams_for_fourteen_days_by_default() -> None:
    assert reason(context(last_asked_at=NOW - timedelta(days=13, hours=23))) is SkipReason.COOLDOWN
    assert reason(context(last_asked_at=NOW - timedelta(days=14))) is None


def test_a_team_may_set_its_own_cooldown() -> None:
    team = replace(TEAM, cooldown_days=3)
    assert reason(context(team=team, last_asked_at=NOW - timedelta(days=2))) is SkipReason.COOLDOWN
    assert reason(context(team=team, last_asked_at=NOW - timedelta(days=3))) is None
    no_cooldown = replace(TEAM, cooldown_days=0)
    assert reason(context(team=no_cooldown, last_asked_at=NOW)) is None


def test_always_ask_bypasses_the_cooldown() -> None:
    assert reason(context(last_asked_at=NOW - timedelta(hours=1), always_ask=True)) is None


def test_sampling_asks_about_the_given_share() -> None:
    team = replace(TEAM, sample_percent=30)
    rng = random.Random(42)
    asked = sum(reason(context(team=team), rng) is None for _ in range(2000))
    assert 500 < asked < 700


def test_sampling_is_not_rolled_again_at_send_time() -> None:
    team = replace(TEAM, sample_percent=1)
    rng = random.Random(7)
    assert all(reason(context(team=team, at_send_time=True), rng) is None for _ in range(100))


def test_the_send_delay_sets_the_due_time() -> None:
    decide = make_decider(POLICY, random.Random(1))
    delayed = replace(TEAM, send_delay_minutes=30)
    decision = decide(context(team=delayed))
    assert decision.status is PromptStatus.PENDING
    assert decision.due_at == NOW + timedelta(minutes=30)
    assert decide(context(team=delayed, at_send_time=True)).due_at == NOW


@pytest.mark.parametrize("changes", [{"requester_excluded": True}, {"requester_is_agent": True}])
def test_a_skip_is_a_decision_with_its_reason(changes: dict[str, object]) -> None:
    decision = make_decider(POLICY, random.Random(1))(context(**changes))
    assert decision.status is PromptStatus.SKIPPED
    assert decision.reason is not None
    assert not decision.asks
