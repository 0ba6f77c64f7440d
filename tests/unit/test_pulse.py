"""Relationship pulse, the pure parts: the command's words, who a plan leaves out and why,
when a pulse closes, its prompt, and the digest line of the week it closes (en + nl)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.commands import USAGE, ShowHelp, StartPulse, parse
from bot.domain.decisions import AskingFacts
from bot.domain.digest_text import layout, render_digest
from bot.domain.model import Anonymity, Person, Prompt, PromptStatus, Team
from bot.domain.prompt_view import rating_prompt
from bot.domain.pulse import closes_at, plan_pulse
from bot.domain.pulse_result import PulseResult
from bot.domain.scales import Scale
from bot.domain.scores import summarize
from bot.domain.tallies import Tally
from bot.domain.texts import reply_in_locale
from bot.flows.pulse import PulseStarted, pulse_reply
from tests.unit.test_digest_render import make_digest

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
TEAM = Team(id=1, name="servicedesk", display_name="Service Desk", scale=Scale.CSAT)


@pytest.mark.parametrize(("typed", "command"), [
    ("pulse servicedesk", StartPulse("servicedesk")),
    ("pulse ServiceDesk days=60", StartPulse("servicedesk", 60)),
    ("pulse servicedesk days=30 Are we  easy to work with?",
     StartPulse("servicedesk", 30, "Are we  easy to work with?")),
    ("pulse servicedesk How do we do?", StartPulse("servicedesk", 90, "How do we do?")),
    ("pulse servicedesk DAYS=7", StartPulse("servicedesk", 7)),
])
def test_the_command_reads_team_days_and_question(typed: str, command: StartPulse) -> None:
    assert parse(typed) == command
    assert StartPulse.admin_only


@pytest.mark.parametrize(("typed", "problem"), [
    ("pulse", "Say which team's relationship pulse to start."),
    ("pulse servicedesk days=soon Hi", "'days=soon' is not a number of days: write days=60."),
])
def test_a_malformed_command_says_what_is_wrong_with_the_usage(typed: str, problem: str) -> None:
    found = parse(typed)
    assert isinstance(found, ShowHelp) and found.problem == f"{problem} Usage: {USAGE['pulse']}"
    assert "days=N" in USAGE["pulse"] and "default 90" in USAGE["pulse"]
    assert reply_in_locale(found.problem, "nl").startswith(("Zeg voor welk", "'days=soon' is"))


def _person(person_id: int, **values: object) -> Person:
    return Person(id=person_id, email=f"p{person_id}@example.com", **values)  # type: ignore[arg-type]


def test_the_plan_applies_the_asking_rules_without_sampling() -> None:
    sampled = dataclasses.replace(TEAM, sample_percent=1, cooldown_days=10)
    facts = AskingFacts(
        teams={1: sampled},
        people={1: _person(1), 2: _person(2, opted_out=True), 3: _person(3), 4: _person(4),
                5: Person(id=5, email="x@contractor.example"), 6: _person(6)},
        agents=frozenset({3}),
        last_asked={4: NOW - timedelta(days=3), 6: NOW - timedelta(days=11)},
        excluded=frozenset({"@contractor.example"}),
    )
    plan = plan_pulse(sampled, [6, 1, 2, 3, 4, 5, 7, 1], facts, now=NOW,
                      default_cooldown_days=14)
    assert plan.asked == (1, 6)  # 1% sampling never applies to a pulse
    assert plan.left_out == {"opted_out": 1, "agent": 1, "cooldown": 1, "excluded": 1,
                             "unreachable": 1}


def test_a_pulse_closes_when_its_last_prompt_can_no_longer_be_answered() -> None:
    assert closes_at(TEAM, NOW) == NOW + timedelta(days=14)
    assert closes_at(dataclasses.replace(TEAM, expiry_days=3), NOW) == NOW + timedelta(days=6)


def test_its_prompt_shows_the_team_the_question_and_0_to_10_but_no_ticket() -> None:
    prompt = Prompt(id=9, conversation_id=3, round=1, team_id=1, person_id=1,
                    status=PromptStatus.PENDING, reason=None, attempts=0, created_at=NOW,
                    next_attempt_at=NOW, pulse_id=4)
    shown = rating_prompt(prompt, dataclasses.replace(TEAM, anonymity=Anonymity.ANONYMOUS,
                                                      coaching=True),
                          _person(1), agent=_person(2), subject="Would you recommend us?",
                          ticket_id="4:1", sending_at=NOW)
    assert shown.pulse and shown.scale is Scale.NPS  # whatever the team's own scale
    assert shown.question == "Would you recommend us?"
    assert (shown.agent_name, shown.subject, shown.ticket_id, shown.coach) == (None,) * 4
    assert shown.anonymity is Anonymity.ANONYMOUS
    assert shown.expires_at == NOW + timedelta(days=7)


def _closing(question: str = "How likely are you to recommend R&D <Desk> to a colleague?"):
    tally = Tally(n=45, promoters=22, passives=14, detractors=9)
    return PulseResult(question=question, asked=120, score=summarize(Scale.NPS, tally),
                       closes_at=datetime(2026, 11, 19, 15, tzinfo=UTC))


def test_the_digest_of_the_week_it_closes_shows_it_beside_the_ticket_score() -> None:
    digest = dataclasses.replace(make_digest(), pulse=_closing())
    said = render_digest(digest)
    assert ("Relationship pulse: NPS +29 ± 23 from 45 of 120 asked (closed Thu) · tickets "
            "this week NPS +40 ± 50") in said
    assert "Pulse question" not in said  # the default question goes without saying
    dutch = render_digest(dataclasses.replace(digest, locale="nl"))
    assert ("Relatiepeiling: NPS +29 ± 23 van 45 van 120 gevraagden (gesloten do) · tickets "
            "deze week NPS +40 ± 50") in dutch
    assert "pulse" not in render_digest(make_digest()).lower()  # no pulse, not a word


def test_the_admins_own_question_is_shown_escaped_even_in_a_week_without_ratings() -> None:
    empty = dataclasses.replace(make_digest(empty_weeks=12), pulse=_closing("Good <job>?"))
    facts = {fact.label: fact.value for fact in layout(empty, escape=str.upper).facts}
    assert facts["Pulse question"] == "GOOD <JOB>?"
    assert facts["Relationship pulse"].startswith("NPS +29 ± 23 from 45 of 120 asked")


def test_the_admins_reply_counts_and_is_said_in_dutch() -> None:
    started = PulseStarted(TEAM, 90, 7, 3, {"cooldown": 2, "agent": 2}, None)
    reply = pulse_reply(started)
    assert "Left out: 0 opted out, 2 asked recently (cooldown), 2 IT staff" in reply
    dutch = reply_in_locale(reply, "nl")
    assert dutch.splitlines() == [
        "Er is geen peiling voor `servicedesk` gestart: niemand die de afgelopen 90 dagen "
        "contact met het team had kan de vraag krijgen.",
        "Niet gevraagd: 0 afgemeld, 2 onlangs al gevraagd (rustperiode), 2 IT-medewerkers, "
        "0 uitgesloten, 0 niet meer bekend.",
    ]
