"""Which clicks are recorded (the recipient, before expiry, on the scale) and how."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.answers import Answer, AnswerContext, AnswerFacts, RatingChange
from bot.domain.errors import InvalidValue, NotRecipient, PromptClosed, PromptExpired, ScoreOffScale
from bot.domain.identity import PersonIdentity
from bot.domain.model import Anonymity, Person, Prompt, PromptStatus, Rating, Team
from bot.domain.rating_rules import (
    answer_context,
    check_answer,
    first_rating,
    follow_up_opens,
    prompt_answered,
    rating_change,
    stamp,
)
from bot.domain.scales import Category, Scale
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


PIET = Person(id=20, email="piet@example.com", display_name="Piet")
LATE = datetime(2026, 11, 24, 15, 42, 7, tzinfo=UTC)
DAY = datetime(2026, 11, 24, tzinfo=UTC)
RATED = Rating(id=1, team_id=1, prompt_id=5, person_id=10, agent_id=20, scale=Scale.NPS,
               score=3, comment=None, rated_at=NOW)


def facts(team: Team = TEAM, **changes: object) -> AnswerFacts:
    base = AnswerFacts(prompt=PROMPT, team=team, recipient=JAN, clicker=JAN, agent=PIET,
                       subject="Printer", ticket_id="INC-1", rating=None)
    return replace(base, **changes)  # type: ignore[arg-type]


def clicked(score: int, receipt: str | None = None) -> Answer:
    return Answer(prompt_id=5, person=PersonIdentity(email="jan@example.com"), score=score,
                  at=LATE, receipt=receipt, new_receipt="fresh")


def test_a_first_rating_is_linked_and_timed_where_the_team_may_know() -> None:
    rating = first_rating(facts(), clicked(2))
    assert (rating.prompt_id, rating.person_id, rating.agent_id) == (5, 10, 20)
    assert (rating.rated_at, rating.updated_at) == (LATE, LATE)
    assert (rating.category, rating.receipt) == (Category.DETRACTOR, "fresh")
    assert prompt_answered(TEAM, LATE) == type(prompt_answered(TEAM, LATE))(LATE, LATE)


def test_an_anonymous_rating_carries_no_link_and_only_its_day() -> None:
    anonymous = replace(TEAM, anonymity=Anonymity.ANONYMOUS)
    rating = first_rating(facts(anonymous), clicked(9))
    assert (rating.prompt_id, rating.person_id, rating.agent_id) == (None, None, None)
    assert (rating.rated_at, rating.updated_at) == (DAY, DAY)
    assert prompt_answered(anonymous, LATE) is None  # the prompt is left as delivered
    assert first_rating(facts(anonymous), clicked(9), random_id=-42).id == -42
    assert first_rating(facts(TEAM), clicked(9), random_id=-42).id is None
    assert stamp(anonymous, LATE) == DAY and stamp(TEAM, LATE) == LATE


def test_a_first_rating_needs_a_new_receipt() -> None:
    with pytest.raises(ValueError, match="receipt"):
        first_rating(facts(), replace(clicked(9), new_receipt=""))


def test_the_click_is_about_the_prompts_rating_or_in_anonymous_teams_the_receipts() -> None:
    other = replace(RATED, id=2)
    assert answer_context(facts(rating=RATED, receipt_rating=other)).existing == RATED
    anonymous = replace(TEAM, anonymity=Anonymity.ANONYMOUS)
    assert answer_context(facts(anonymous, receipt_rating=other)).existing == other
    assert answer_context(facts(anonymous)).existing is None


def test_a_later_click_changes_score_category_and_time() -> None:
    change = rating_change(RATED, TEAM, clicked(9, receipt="old"))
    assert change == RatingChange(score=9, category=Category.PROMOTER, updated_at=LATE)
    # The scale the rating was given on classifies it, whatever the team uses now.
    csat = rating_change(RATED, replace(TEAM, scale=Scale.CSAT), clicked(8, receipt="old"))
    assert csat.category is Category.PASSIVE


def test_a_replayed_click_changes_nothing() -> None:
    assert not rating_change(RATED, TEAM, clicked(3, receipt="old"))


def test_a_click_without_its_receipt_gets_a_new_one_unless_anonymous() -> None:
    assert rating_change(RATED, TEAM, clicked(3)) == RatingChange(receipt="fresh")
    anonymous = replace(TEAM, anonymity=Anonymity.ANONYMOUS)
    assert not rating_change(RATED, anonymous, clicked(3))
    assert rating_change(RATED, anonymous, clicked(4)).updated_at == DAY


def test_only_a_detractor_opens_a_follow_up() -> None:
    assert follow_up_opens(Category.DETRACTOR)
    assert not follow_up_opens(Category.PASSIVE) and not follow_up_opens(Category.PROMOTER)
