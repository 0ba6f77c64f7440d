"""Retention's pure rules: calendar months, a team's own limits, and what a run records."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.model import Team
from bot.domain.retention import (
    RetentionKind,
    RetentionLimits,
    RetentionReport,
    TeamRemoval,
    months_before,
)

K = RetentionKind


def test_months_are_calendar_months_and_a_missing_day_is_the_months_last() -> None:
    moment = datetime(2028, 3, 31, 10, 30, tzinfo=UTC)
    assert months_before(moment, 1) == datetime(2028, 2, 29, 10, 30, tzinfo=UTC)
    assert months_before(moment, 13) == datetime(2027, 2, 28, 10, 30, tzinfo=UTC)
    assert months_before(moment, 24) == datetime(2026, 3, 31, 10, 30, tzinfo=UTC)
    assert months_before(datetime(2027, 1, 15, tzinfo=UTC), 3) == datetime(2026, 10, 15,
                                                                           tzinfo=UTC)


def test_a_team_overrides_each_limit_and_zero_keeps_that_kind_forever() -> None:
    team = Team(1, "sd", "SD", retention_comment_months=0, retention_prompt_months=6)
    limits = RetentionLimits().for_team(team)
    assert limits == RetentionLimits(comment_months=0, identity_months=24, prompt_months=6)
    now = datetime(2028, 1, 1, tzinfo=UTC)
    cutoffs = limits.cutoffs(now)
    # In the order a run applies them; comments have no cutoff: kept forever.
    assert list(cutoffs) == [K.IDENTITIES, K.PROMPTS, K.CONVERSATIONS]
    assert cutoffs[K.PROMPTS] == cutoffs[K.CONVERSATIONS] == datetime(2027, 7, 1, tzinfo=UTC)
    assert RetentionLimits().for_team(Team(2, "x", "X")) == RetentionLimits()


def test_the_audit_detail_holds_counts_per_team_and_kind_and_skips_empty_teams() -> None:
    report = RetentionReport(date(2028, 1, 1), (
        TeamRemoval("sd", {K.COMMENTS: 2, K.IDENTITIES: 0, K.PROMPTS: 5}),
        TeamRemoval("infra", {K.COMMENTS: 0}),
    ))
    assert report.audit_detail() == {
        "day": "2028-01-01", "removed": {"sd": {"comments": 2, "prompts": 5}}, "total": 7,
    }
    assert report.by_kind() == {K.COMMENTS: 2, K.IDENTITIES: 0, K.PROMPTS: 5,
                                K.CONVERSATIONS: 0}
