"""Which clicks are recorded: the recipient, before expiry, on the scale."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.answers import Answer, AnswerContext
from bot.domain.errors import InvalidValue, NotRecipient, PromptClosed, PromptExpired, ScoreOffScale
from bot.domain.identity import PersonIdentity
from bot.domain.model import Anonymity, Person, Prompt, PromptStatus, Rating, Team
from bot.domain.rating_rules import check_answer
from bot.domain.scales import Scale
from bot.flows.recording import MAX_COMMENT, clean_comment

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
JAN = Person(id=10, email="jan@example.com")
TEAM = Team(id=1, name="servicedesk", display_name="Service Desk")
PROMPT = Prompt(
    id=5, conversation_id=3, round=1, team_id=1, person_id=10, status=PromptStatus.SENT,
    reason=None, attempts=1, created_at=NOW - timedelta(hours=1), next_attempt_at=None,
    sent_at=NOW - timedelta(hours=1), expires_at=NOW + timedelta(days=7),
)


def ctx(**changes: object) -> AnswerContext:
    base = AnswerContext(prompt=PROMPT, team=TEAM, recipient=JAN, clicker=JAN, existing=None)
    return replace(base, **changes)  # type: ignore[arg-type]


def answer(score: int = 9, at: datetime = NOW) -> Answer:
    return Answer(prompt_id=5, person=PersonIdentity(email="jan@example.com"), score=score, at=at)


def test_the_recipient_may_answer_on_the_scale() -> None:
    check_answer(ctx(), answer(0))
    check_answer(ctx(), answer(10))


def test_someone_else_may_not_answer() -> None:
    with pytest.raises(NotRecipient):
        check_answer(ctx(clicker=Person(id=11, email="kees@example.com")), answer())
    with pytest.raises(NotRecipient):
        check_answer(ctx(clicker=None), answer())


def test_an_expired_prompt_refuses_the_answer() -> None:
    with pytest.raises(PromptExpired):
        check_answer(ctx(), answer(at=PROMPT.expires_at or NOW))
    with pytest.raises(PromptExpired):
        check_answer(ctx(prompt=replace(PROMPT, status=PromptStatus.EXPIRED)), answer())


@pytest.mark.parametrize(("scale", "score"), [(Scale.NPS, 11), (Scale.NPS, -1), (Scale.CSAT, 0),
                                              (Scale.CES, 8), (Scale.THUMBS, 2)])
def test_a_score_off_the_scale_is_refused(scale: Scale, score: int) -> None:
    with pytest.raises(ScoreOffScale, match="not a score on this scale"):
        check_answer(ctx(team=replace(TEAM, scale=scale)), answer(score))


def test_a_withdrawn_prompt_says_why() -> None:
    withdrawn = replace(PROMPT, status=PromptStatus.SKIPPED, reason="reopened")
    with pytest.raises(PromptClosed, match="reopened"):
        check_answer(ctx(prompt=withdrawn), answer())


def test_a_second_click_changes_an_existing_rating() -> None:
    rating = Rating(id=1, team_id=1, prompt_id=5, person_id=10, agent_id=None, scale=Scale.NPS,
                    score=3, comment=None, rated_at=NOW)
    check_answer(ctx(prompt=replace(PROMPT, status=PromptStatus.ANSWERED), existing=rating),
                 answer(8))


def test_an_anonymous_rating_is_only_found_again_through_its_receipt() -> None:
    answered = replace(PROMPT, status=PromptStatus.ANSWERED)
    anonymous = replace(TEAM, anonymity=Anonymity.ANONYMOUS)
    with pytest.raises(PromptClosed, match="already recorded"):
        check_answer(ctx(prompt=answered, team=anonymous), answer())


def test_comments_are_trimmed_and_limited() -> None:
    assert clean_comment("  slow reply  \n") == "slow reply"
    assert len(clean_comment("x" * MAX_COMMENT)) == MAX_COMMENT
    with pytest.raises(InvalidValue, match="2,000"):
        clean_comment("x" * (MAX_COMMENT + 1))
    with pytest.raises(InvalidValue, match="empty"):
        clean_comment("   ")
