"""The English and Dutch catalog: complete, consistent, chosen by locale."""

from __future__ import annotations

import string
from datetime import UTC, datetime

import pytest

from bot.domain.messages import RatingPrompt
from bot.domain.model import Anonymity, Person
from bot.domain.scales import Scale
from bot.domain.texts import keys, locale_for, question_for, template, text


def fields(value: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(value) if name}


@pytest.mark.parametrize("key", keys())
def test_both_languages_have_the_same_placeholders(key: str) -> None:
    assert fields(template(key, "en")) == fields(template(key, "nl"))


@pytest.mark.parametrize(
    ("preferred", "default", "chosen"),
    [("nl-NL", "en", "nl"), ("nl_BE", "en", "nl"), ("en-GB", "nl", "en"),
     ("fr-FR", "nl", "nl"), (None, "en", "en"), ("", "nl", "nl")],
)
def test_the_locale_follows_the_person_then_the_default(
    preferred: str | None, default: str, chosen: str
) -> None:
    assert locale_for(preferred, default) == chosen


def test_values_are_filled_in() -> None:
    assert text("alert.claimed", "nl", who="Piet") == "Piet pakt dit op."


def test_the_question_is_the_teams_own_or_the_default_in_the_readers_language() -> None:
    def asking(question: str) -> RatingPrompt:
        recipient = Person(id=1, email="jan@example.com")
        return RatingPrompt(
            prompt_id=1, recipient=recipient, team_name="servicedesk",
            team_display_name="Service Desk", question=question, scale=Scale.NPS,
            anonymity=Anonymity.IDENTIFIED, expires_at=datetime(2026, 12, 1, tzinfo=UTC),
        )

    default = asking(Scale.NPS.spec.question.format(team="Service Desk"))
    assert question_for(default, "nl") == text("question.nps", "nl", team="Service Desk")
    assert question_for(default, "en") == default.question
    assert question_for(asking("Hoe was het?"), "en") == "Hoe was het?"
