"""What people see: the rating prompt and the detractor alert, rendered from stored facts.

Delivery, clicks, withdrawals and alert updates all render through here, so a message
redrawn in place says what it said when it was sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.answers import AlertFacts
from bot.domain.messages import DetractorAlert, RatingPrompt
from bot.domain.model import Anonymity, Person, Prompt, Team
from bot.domain.pulse import pulse_prompt


def person_name(person: Person | None) -> str | None:
    """How a team's channel names a person: their name, else an email, else a Slack id."""
    if person is None:
        return None
    return person.display_name or person.email or person.slack_user_id


def question_of(team: Team) -> str:
    """The team's own question, or its scale's default naming the team."""
    return team.question or team.scale.spec.question.format(team=team.display_name)


def rating_prompt(
    prompt: Prompt,
    team: Team,
    recipient: Person,
    *,
    agent: Person | None,
    subject: str | None,
    ticket_id: str | None,
    sending_at: datetime | None = None,
) -> RatingPrompt:
    """The prompt as `recipient` sees it.

    One about to be sent (`sending_at`) expires `expiry_days` after that send: its clock
    starts when the person sees it. A sent one keeps the expiry it was sent with.
    """
    if sending_at is not None:
        expires_at = sending_at + timedelta(days=team.expiry_days)
    else:
        expires_at = prompt.expires_at or prompt.created_at + timedelta(days=team.expiry_days)
    if prompt.pulse_id is not None:  # a pulse's conversation carries its question
        return pulse_prompt(prompt, team, recipient, question=subject, expires_at=expires_at)
    return RatingPrompt(
        prompt_id=prompt.id,
        recipient=recipient,
        team_name=team.name,
        team_display_name=team.display_name,
        question=question_of(team),
        scale=team.scale,
        anonymity=team.anonymity,
        expires_at=expires_at,
        # The person is told who helped them (anonymity hides them from the team, not the
        # agent from them), by a name or an email: a platform id would mean nothing to them.
        agent_name=None if agent is None else agent.display_name or agent.email,
        subject=subject,
        ticket_id=ticket_id,
        coach=agent if team.coaching and team.anonymity is not Anonymity.ANONYMOUS else None,
        reasons=team.reasons,
        lost_time=team.lost_time,
    )


def detractor_alert(facts: AlertFacts) -> DetractorAlert:
    """The alert for the team's channel, naming only whom the team's anonymity allows."""
    team, rating, follow_up = facts.team, facts.rating, facts.follow_up
    anonymous = team.anonymity is Anonymity.ANONYMOUS
    return DetractorAlert(
        follow_up_id=follow_up.id,
        team_name=team.name,
        team_display_name=team.display_name,
        scale=rating.scale,
        score=rating.score,
        comment=rating.comment,
        agent_name=None if anonymous else person_name(facts.agent),
        requester_name=person_name(facts.requester) if team.anonymity.shows_names else None,
        subject=None if anonymous else facts.subject,
        ticket_id=None if anonymous else facts.ticket_id,
        claimed_by=person_name(facts.claimer),
        resolved_by=person_name(facts.resolver),
        resolution_note=follow_up.note,
        locale=team.locale,
    )
