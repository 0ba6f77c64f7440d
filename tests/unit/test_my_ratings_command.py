"""Teams' `my ratings`: the grammar, beside `my data` and `forget me`."""

from __future__ import annotations

from bot.domain.commands import MyData, MyRatings, ShowHelp, parse


def test_my_ratings_is_for_anyone_in_any_case() -> None:
    assert parse("my ratings") == parse("My Ratings") == MyRatings()
    assert not MyRatings.admin_only
    assert parse("my data") == MyData()


def test_anything_else_after_my_names_both() -> None:
    wrong = parse("my scores")
    assert isinstance(wrong, ShowHelp) and wrong.problem is not None
    assert "`my data` or `my ratings`" in wrong.problem
