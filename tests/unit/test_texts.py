"""The English and Dutch catalog: complete, consistent, chosen by locale."""

from __future__ import annotations

import string

import pytest

from bot.domain.texts import keys, locale_for, template, text


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
