"""Relationship pulses: who a pulse asks, when it closes, what its prompt says, its result.

A pulse is a one-off question (by default "How likely are you to recommend <team> to a
colleague?", on the NPS scale whatever the team's own scale) to the people who had a
conversation with the team lately. Its answers are kept apart from per-ticket ratings:
no team score, per-agent figure, alert or export ever mixes the two.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.asking_rules import exclusion_candidates, skip_reason
from bot.domain.decisions import AskContext, AskingFacts
from bot.domain.messages import RatingPrompt
from bot.domain.model import Person, Prompt, SkipReason, Team
from bot.domain.scales import Scale

SCALE = Scale.NPS  # a pulse asks the relationship question, whatever the team's scale
DEFAULT_DAYS = 90  # who had a conversation with the team in these last days is asked
MAX_DAYS = 3650
SOURCE = "pulse"  # the source of the one conversation each recipient gets (bot.flows.pulse)

# Why someone was left out, in the words admins read: the asking rules' reasons, grouped.
LEFT_OUT = ("opted_out", "cooldown", "agent", "excluded", "unreachable")
_GROUPED = {
    SkipReason.OPTED_OUT: "opted_out",
    SkipReason.COOLDOWN: "cooldown",
    SkipReason.IS_AGENT: "agent",
    SkipReason.OWN_AGENT: "agent",
    SkipReason.EXCLUDED: "excluded",
    SkipReason.FORGOTTEN: "unreachable",
}


def default_question(team: Team) -> str:
    """The NPS question naming the team; prompts show it in each reader's language."""
    return SCALE.spec.question.format(team=team.display_name)


def closes_at(team: Team, started: datetime) -> datetime:
    """When a pulse started at `started` closes: when its last prompt can no longer be answered.

    Delivery gives a prompt up `expiry_days` after it was made, and a sent prompt expires
    `expiry_days` after it was sent: twice the team's expiry (14 days by default).
    """
    return started + timedelta(days=2 * team.expiry_days)


@dataclass(frozen=True, slots=True)
class Pulse:
    id: int
    team_id: int
    question: str
    days: int
    created_by: str
    created_at: datetime
    closes_at: datetime
    asked: int
    left_out: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PulsePlan:
    """Who a new pulse asks (person ids) and how many it leaves out, by reason; never who."""

    asked: tuple[int, ...]
    left_out: Mapping[str, int]


def plan_pulse(
    team: Team, candidates: Iterable[int], facts: AskingFacts, *, now: datetime,
    default_cooldown_days: int,
) -> PulsePlan:
    """The asking rules (principle 7) applied to each candidate, as at send time.

    Sampling does not apply (a pulse asks everyone it may), and the cooldown does: someone
    asked lately is left out, and the pulse's own prompt counts as an ask from then on.
    """
    asked: list[int] = []
    left_out: Counter[str] = Counter()
    for person_id in sorted(set(candidates)):
        person = facts.people.get(person_id)
        reason = skip_reason(
            _context(team, person, facts, now), default_cooldown_days, _NEVER_SAMPLED
        )
        if reason is None:
            asked.append(person_id)
        else:
            left_out[_GROUPED.get(reason, "unreachable")] += 1
    return PulsePlan(tuple(asked), dict(left_out))


# `skip_reason` at send time never samples: nothing is drawn from this.
_NEVER_SAMPLED = random.Random(0)


def _context(team: Team, person: Person | None, facts: AskingFacts, now: datetime) -> AskContext:
    return AskContext(
        now=now, team=team, requester=person, agent=None,
        requester_is_agent=person is not None and person.id in facts.agents,
        requester_excluded=person is not None
        and bool(exclusion_candidates(person.email) & facts.excluded),
        last_asked_at=None if person is None else facts.last_asked.get(person.id),
        always_ask=False, at_send_time=True,
    )


def pulse_prompt(
    prompt: Prompt, team: Team, recipient: Person, *, question: str | None,
    expires_at: datetime,
) -> RatingPrompt:
    """A pulse's prompt as its recipient sees it: the team, the question, 0-10, the notice."""
    return RatingPrompt(
        prompt_id=prompt.id, recipient=recipient, team_name=team.name,
        team_display_name=team.display_name, question=question or default_question(team),
        scale=SCALE, anonymity=team.anonymity, expires_at=expires_at, pulse=True,
    )


@dataclass(frozen=True, slots=True)
class PulseAnswer:
    """A stored answer to a pulse (never a rating). Anonymous: no prompt, no person."""

    id: int
    pulse_id: int
    prompt_id: int | None
    person_id: int | None
    score: int
    comment: str | None
    answered_at: datetime
