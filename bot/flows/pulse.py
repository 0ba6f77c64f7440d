"""Relationship pulse: a one-off "How likely are you to recommend <team>?" to the people who
had a conversation with the team lately (`/ratings pulse`, `ratebot pulse`).

How a pulse rides the prompt machinery. Each recipient gets a conversation of their own
(source `pulse`, the question as its subject) with one ordinary prompt that also names
the pulse (`prompts.pulse_id`). So the delivery worker, working hours, exactly-once
claims, expiry, reminders, clicks and comments all serve pulses unchanged: nothing in
them had to learn that a prompt may lack a ticket. A nullable conversation on prompts
was the alternative; every join from a prompt to its conversation would have had to
become an outer join. The prompt counts as an ask, so the cooldown covers it.

Only the answers part ways: a click on a pulse prompt is stored in `pulse_answers`
(`bot.flows.pulse_answers`), never in `ratings`, so no score, per-agent figure, alert or
export of ratings can mix them, and the digest's prompt counts leave pulse prompts out.
A pulse closes when its last prompt can no longer be answered (`pulse.closes_at`); the
team's digest of that week shows it beside the per-ticket score. One pulse per team runs
at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.errors import InvalidValue, UnknownTeam
from bot.domain.model import Team
from bot.domain.pulse import (
    DEFAULT_DAYS,
    LEFT_OUT,
    MAX_DAYS,
    Pulse,
    closes_at,
    default_question,
    plan_pulse,
)
from bot.services import Services

MAX_QUESTION = 300


@dataclass(frozen=True, slots=True)
class PulseStarted:
    """What `start_pulse` did: the pulse, or None when nobody could be asked."""

    team: Team
    days: int
    found: int  # the people who had a conversation with the team in those days
    asked: int
    left_out: dict[str, int]
    pulse: Pulse | None


async def start_pulse(
    services: Services, team_name: str, *, days: int = DEFAULT_DAYS,
    question: str | None = None, actor: str,
) -> PulseStarted:
    """Ask the team's recent requesters the pulse question, in one transaction.

    Refused while the team's previous pulse is still open. Nothing is stored when nobody
    may be asked (everyone opted out, asked lately, an agent or excluded).
    """
    if not 1 <= days <= MAX_DAYS:
        raise InvalidValue(f"The number of days must be a whole number from 1 to {MAX_DAYS}.")
    question = (question or "").strip() or None
    if question is not None and len(question) > MAX_QUESTION:
        raise InvalidValue(f"A question can have at most {MAX_QUESTION} characters.")
    now = services.clock.now()
    async with services.store.transaction() as tx:
        team = await tx.get_team(team_name.lower())
        if team is None:
            raise UnknownTeam(team_name)
        running = await tx.open_pulse(team.id, now=now)
        if running is not None:
            raise InvalidValue(
                f"`{team.name}` already has a pulse running; it closes on "
                f"{_day(running.closes_at)}."
            )
        candidates = await tx.pulse_candidates(team.id, since=now - timedelta(days=days))
        facts = await tx.asking_facts(team_ids={team.id}, person_ids=candidates)
        plan = plan_pulse(team, candidates, facts, now=now,
                          default_cooldown_days=services.policy.cooldown_days)
        pulse = None
        if plan.asked:
            pulse = await tx.start_pulse(
                team.id, question=question or default_question(team), days=days,
                created_by=actor, at=now, closes_at=closes_at(team, now),
                recipients=plan.asked, left_out=plan.left_out,
            )
    return PulseStarted(team, days, len(candidates), len(plan.asked), dict(plan.left_out), pulse)


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def pulse_reply(started: PulseStarted) -> str:
    """The admin's reply, in English (chat says it in the caller's language): how many
    people are asked and how many were left out and why. Never who."""
    team = started.team.name
    if started.pulse is None:
        first = (f"No pulse was started for `{team}`: nobody who had a conversation with it "
                 f"in the last {started.days} days can be asked.")
    else:
        first = (f"Started a pulse for `{team}`: {started.asked} of {started.found} people "
                 f"who had a conversation with it in the last {started.days} days will be "
                 f"asked. It closes on {_day(started.pulse.closes_at)}.")
    counts = {reason: started.left_out.get(reason, 0) for reason in LEFT_OUT}
    left_out = (f"Left out: {counts['opted_out']} opted out, {counts['cooldown']} asked "
                f"recently (cooldown), {counts['agent']} IT staff, {counts['excluded']} "
                f"excluded, {counts['unreachable']} no longer known.")
    return f"{first}\n{left_out}"
