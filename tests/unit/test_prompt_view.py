"""One rendering of what people see: the prompt and the detractor alert."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.answers import AlertFacts, FollowUp
from bot.domain.model import Anonymity, FollowUpStatus, Person, Prompt, PromptStatus, Rating, Team
from bot.domain.prompt_view import detractor_alert, person_name, rating_prompt
from bot.domain.scales import Scale

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
JAN = Person(id=10, email="jan@example.com", display_name="Jan")
PIET = Person(id=20, email="piet@example.com", display_name="Piet", slack_user_id="UPIET")
TEAM = Team(id=1, name="servicedesk", display_name="Service Desk", expiry_days=5)
PENDING = Prompt(
    id=5, conversation_id=3, round=1, team_id=1, person_id=10, status=PromptStatus.PENDING,
    reason=None, attempts=0, created_at=NOW - timedelta(hours=2), next_attempt_at=NOW,
)
SENT = replace(PENDING, status=PromptStatus.SENT, sent_at=NOW, expires_at=NOW + timedelta(days=5))


def test_the_prompt_carries_the_team_ticket_and_agent() -> None:
    prompt = rating_prompt(SENT, TEAM, JAN, agent=PIET, subject="Printer", ticket_id="INC-1")
    assert (prompt.prompt_id, prompt.recipient, prompt.team_name) == (5, JAN, "servicedesk")
    assert prompt.question == "How likely are you to recommend Service Desk to a colleague?"
    assert (prompt.agent_name, prompt.subject, prompt.ticket_id) == ("Piet", "Printer", "INC-1")
    assert (prompt.scale, prompt.anonymity) == (Scale.NPS, Anonymity.IDENTIFIED)
    own = rating_prompt(SENT, replace(TEAM, question="Happy?"), JAN, agent=None, subject=None,
                        ticket_id=None)
    assert (own.question, own.agent_name) == ("Happy?", None)


def test_a_prompt_being_sent_expires_from_its_send() -> None:
    later = NOW + timedelta(hours=3)
    sending = rating_prompt(PENDING, TEAM, JAN, agent=None, subject=None, ticket_id=None,
                            sending_at=later)
    assert sending.expires_at == later + timedelta(days=5)


def test_a_sent_prompt_keeps_its_expiry() -> None:
    redrawn = rating_prompt(SENT, replace(TEAM, expiry_days=1), JAN, agent=None, subject=None,
                            ticket_id=None)
    assert redrawn.expires_at == NOW + timedelta(days=5)
    # One never sent (withdrawn while pending) counts from its creation.
    unsent = rating_prompt(PENDING, TEAM, JAN, agent=None, subject=None, ticket_id=None)
    assert unsent.expires_at == PENDING.created_at + timedelta(days=5)


def test_the_agent_is_named_by_name_or_email_never_a_platform_id() -> None:
    by_email = replace(PIET, display_name=None)
    by_id = Person(id=21, email=None, slack_user_id="UPIET")
    assert rating_prompt(SENT, TEAM, JAN, agent=by_email, subject=None,
                         ticket_id=None).agent_name == "piet@example.com"
    assert rating_prompt(SENT, TEAM, JAN, agent=by_id, subject=None,
                         ticket_id=None).agent_name is None
    assert person_name(by_id) == "UPIET" and person_name(None) is None


def alert_facts(anonymity: Anonymity) -> AlertFacts:
    team = replace(TEAM, anonymity=anonymity)
    anonymous = anonymity is Anonymity.ANONYMOUS
    rating = Rating(id=7, team_id=1, prompt_id=None if anonymous else 5,
                    person_id=None if anonymous else 10, agent_id=None if anonymous else 20,
                    scale=Scale.NPS, score=2, comment="Slow", rated_at=NOW)
    follow_up = FollowUp(id=3, rating_id=7, team_id=1, status=FollowUpStatus.RESOLVED,
                         created_at=NOW, note="called back")
    return AlertFacts(follow_up=follow_up, team=team, rating=rating, agent=PIET, requester=JAN,
                      subject="Printer", ticket_id="INC-1", claimer=PIET, resolver=PIET)


@pytest.mark.parametrize(
    ("anonymity", "agent", "requester", "ticket"),
    [
        (Anonymity.IDENTIFIED, "Piet", "Jan", "INC-1"),
        (Anonymity.CONFIDENTIAL, "Piet", None, "INC-1"),
        (Anonymity.ANONYMOUS, None, None, None),
    ],
)
def test_the_alert_names_only_whom_the_teams_anonymity_allows(
    anonymity: Anonymity, agent: str | None, requester: str | None, ticket: str | None
) -> None:
    alert = detractor_alert(alert_facts(anonymity))
    assert (alert.agent_name, alert.requester_name, alert.ticket_id) == (agent, requester, ticket)
    assert (alert.score, alert.comment, alert.follow_up_id) == (2, "Slow", 3)
    assert (alert.claimed_by, alert.resolved_by, alert.resolution_note) == (
        "Piet", "Piet", "called back")
