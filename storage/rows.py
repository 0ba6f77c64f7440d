"""Rows to domain objects."""

from __future__ import annotations

from typing import Any

from bot.domain.answers import FollowUp
from bot.domain.model import Anonymity, FollowUpStatus, Person, Prompt, PromptStatus, Rating, Team
from bot.domain.scales import Category, Scale

CATEGORY_VALUES: dict[Category, int] = {
    Category.PROMOTER: 1,
    Category.PASSIVE: 0,
    Category.DETRACTOR: -1,
}
CATEGORIES: dict[int, Category] = {value: category for category, value in CATEGORY_VALUES.items()}


def team_from(row: Any, channels: dict[tuple[str, str], str]) -> Team:
    return Team(
        id=row.id,
        name=row.name,
        display_name=row.display_name,
        scale=Scale(row.scale),
        question=row.question,
        anonymity=Anonymity(row.anonymity),
        cooldown_days=row.cooldown_days,
        expiry_days=row.expiry_days,
        sample_percent=row.sample_percent,
        send_delay_minutes=row.send_delay_minutes,
        reminder_minutes=row.reminder_minutes,
        timezone=row.timezone,
        digest_schedule=row.digest_schedule,
        retention_comment_months=row.retention_comment_months,
        retention_identity_months=row.retention_identity_months,
        retention_prompt_months=row.retention_prompt_months,
        locale=row.locale,
        coaching=bool(row.coaching),
        mutual=bool(row.mutual),
        reasons=row.reasons,
        lost_time=bool(row.lost_time),
        channels=channels,
    )


def person_from(row: Any) -> Person:
    return Person(
        id=row.id,
        email=row.email,
        display_name=row.display_name,
        locale=row.locale,
        timezone=row.timezone,
        slack_user_id=row.slack_user_id,
        teams_user_id=row.teams_user_id,
        teams_aad_object_id=row.teams_aad_object_id,
        opted_out=bool(row.opted_out),
        teams_tenant_id=row.teams_tenant_id,
    )


def prompt_from(row: Any) -> Prompt:
    return Prompt(
        id=row.id,
        conversation_id=row.conversation_id,
        round=row.round,
        team_id=row.team_id,
        person_id=row.person_id,
        status=PromptStatus(row.status),
        reason=row.reason,
        attempts=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        answered_at=row.answered_at,
        expires_at=row.expires_at,
        platform=row.platform,
        message_ref=row.message_ref,
        sending_since=row.sending_since,
        pulse_id=row.pulse_id,
    )


def rating_from(row: Any) -> Rating:
    return Rating(
        id=row.id,
        team_id=row.team_id,
        prompt_id=row.prompt_id,
        person_id=row.person_id,
        agent_id=row.agent_id,
        scale=Scale(row.scale),
        score=row.score,
        comment=row.comment,
        rated_at=row.rated_at,
    )


def follow_up_from(row: Any) -> FollowUp:
    return FollowUp(
        id=row.id,
        rating_id=row.rating_id,
        team_id=row.team_id,
        status=FollowUpStatus(row.status),
        created_at=row.created_at,
        claimed_by=row.claimed_by,
        claimed_at=row.claimed_at,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
        note=row.note,
        alert_platform=row.alert_platform,
        alert_ref=row.alert_ref,
    )
