"""One vocabulary per scale: exports, digests, stats and alerts name a rating alike."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from bot.domain.digest_failures import failure_text
from bot.domain.digest_text import (
    comment_line,
    follow_up_line,
    reason_text,
    render_digest,
)
from bot.domain.scales import Category, Scale
from bot.domain.scores import summarize
from bot.domain.tallies import DigestComment, ExportRow, FollowUpCounts, PromptTally, Tally
from bot.domain.texts import alert_fallback, alert_title
from bot.flows.export import row_dict
from tests.unit.test_digest_render import make_digest

AT = datetime(2026, 11, 17, 9, tzinfo=UTC)

WORDS = {
    Scale.NPS: ("promoter", "passive", "detractor"),
    Scale.CSAT: ("satisfied", "neutral", "dissatisfied"),
    Scale.CES: ("easy", "neutral", "hard"),
    Scale.THUMBS: ("thumbs up", "neutral", "thumbs down"),
}


@pytest.mark.parametrize("scale", list(Scale))
def test_the_export_names_categories_as_the_stats_do(scale: Scale) -> None:
    for category, word in zip(Category, WORDS[scale], strict=True):
        if scale is Scale.THUMBS and category is Category.PASSIVE:
            continue  # thumbs have no middle
        row = ExportRow(
            rated_at=AT, team="desk", scale=scale, score=scale.spec.low, category=category,
            comment=None, agent_email=None, requester_email=None, ticket_id=None,
        )
        assert row_dict(row)["category"] == word
        # ...the word the stats and digests count in (their plural for several).
        plural = dict(summarize(scale, Tally()).category_counts())
        assert scale.category_name(category, plural=True) in plural


def test_a_csat_export_row_says_satisfied_not_promoter() -> None:
    row = ExportRow(
        rated_at=AT, team="desk", scale=Scale.CSAT, score=5, category=Category.PROMOTER,
        comment=None, agent_email=None, requester_email=None, ticket_id=None,
    )
    assert row_dict(row)["category"] == "satisfied"


@pytest.mark.parametrize(
    ("scale", "ending"),
    [
        (Scale.NPS, "loop closed for 50% of detractors"),
        (Scale.CSAT, "loop closed for 50% of dissatisfied ratings"),
        (Scale.CES, "loop closed for 50% of hard ratings"),
        (Scale.THUMBS, "loop closed for 50% of thumbs-down ratings"),
    ],
)
def test_the_closed_loop_is_counted_in_the_scales_words(scale: Scale, ending: str) -> None:
    digest = dataclasses.replace(
        make_digest(scale),
        score=summarize(scale, Tally(n=4, promoters=2, detractors=2)),
        follow_ups=FollowUpCounts(opened=2, claimed=1, resolved=1),
    )
    assert follow_up_line(digest).endswith(ending)


def test_a_csat_digest_never_says_detractor() -> None:
    text = render_digest(make_digest(Scale.CSAT))
    assert "detractor" not in text.lower() and "promoter" not in text.lower()
    assert "dissatisfied" in text


@pytest.mark.parametrize("scale", list(Scale))
def test_a_quoted_comment_is_labelled_in_the_scales_words(scale: Scale) -> None:
    praise = DigestComment(Category.PROMOTER, scale.spec.high, "Great", AT)
    complaint = DigestComment(Category.DETRACTOR, scale.spec.low, "Slow", AT)
    assert comment_line(praise, scale).endswith(f", {WORDS[scale][0]})")
    assert comment_line(complaint, scale).endswith(f", {WORDS[scale][2]})")


def test_stats_and_digest_give_a_reason_one_name() -> None:
    assert reason_text("cooldown") == "throttled"
    assert reason_text("opted_out") == "opted out"
    assert reason_text("some_new_reason") == "some new reason"


@pytest.mark.parametrize(
    ("scale", "title", "fallback"),
    [
        (Scale.NPS, "Detractor alert for *Desk*", "Detractor alert for Desk: score 3"),
        (Scale.CSAT, "Dissatisfied rating for *Desk*", "Dissatisfied rating for Desk: score 3"),
        (Scale.CES, "Hard-going rating for *Desk*", "Hard-going rating for Desk: score 3"),
        (Scale.THUMBS, "Thumbs down for *Desk*", "Thumbs down for Desk"),
    ],
)
def test_an_alert_is_named_in_its_scales_words(scale: Scale, title: str, fallback: str) -> None:
    assert alert_title(scale, "Desk", "en") == title
    assert alert_fallback(scale, "Desk", 3, "en") == fallback
    assert "Detractor" not in alert_title(Scale.CSAT, "Desk", "nl")


@pytest.mark.parametrize(
    ("reason", "shown", "dutch"),
    [
        ("slack: channel_not_found", "Slack could not find the conversation",
         "Slack kon het gesprek niet vinden"),
        ("conversation_not_found <teams>", "Teams could not find the conversation",
         "Teams kon het gesprek niet vinden"),
        ("the Slack account is deactivated", "their chat account is deactivated",
         "hun chataccount is uitgeschakeld"),
        ("Teams answered 404", "Teams could not find the conversation",
         "Teams kon het gesprek niet vinden"),
        ("Teams answered 403", "Teams refused ratebot access (check its token and permissions)",
         "Teams weigerde ratebot toegang (controleer het token en de rechten)"),
        ("slack: missing_scope", "Slack refused ratebot access (check its token and permissions)",
         "Slack weigerde ratebot toegang (controleer het token en de rechten)"),
        ("Teams could not be reached", "Teams could not be reached", "Teams was niet bereikbaar"),
        ("slack: TimeoutError (gave up after 5 attempts)",
         "Slack could not be reached, gave up after 5 attempts",
         "Slack was niet bereikbaar, opgegeven na 5 pogingen"),
        ("slack: msg_too_long", "Slack refused the message", "Slack weigerde het bericht"),
        ("the ratebot app is not installed for this person",
         "the ratebot app is not installed for them",
         "de ratebot-app is bij hen niet geïnstalleerd"),
        ("something_odd_happened", "the chat platform did not take the message",
         "het chatplatform nam het bericht niet aan"),
    ],
)
def test_a_delivery_failure_is_said_in_catalogue_words_never_as_a_code(
    reason: str, shown: str, dutch: str
) -> None:
    assert failure_text(reason) == shown
    assert failure_text(reason, "nl") == dutch
    assert "_" not in shown and "<" not in shown


def test_failures_that_mean_the_same_are_counted_together_in_the_digest() -> None:
    digest = dataclasses.replace(make_digest(Scale.NPS), prompts=PromptTally(
        sent=4, answered=1,
        failed={"conversation_not_found <teams>": 2, "Teams answered 404": 1}))
    text = render_digest(digest)
    assert "Delivery failed: 3 (3× Teams could not find the conversation)" in text
    assert "conversation_not_found" not in text and "404" not in text
