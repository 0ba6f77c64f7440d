"""The questions after the score, as rules: which reasons a score is offered, in which
order, how a team's own labels are read and refused, what lost time counts as."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.domain.digest_after_score import hours_text
from bot.domain.reasons import (
    DEFAULTS,
    OFF,
    LostTime,
    Side,
    changes_side,
    custom_label,
    custom_sides,
    in_prompt_order,
    offered,
    parse_setting,
    side_of_key,
    tally_lost_time,
)
from bot.domain.scales import Category, Scale


def test_detractors_and_passives_are_offered_what_held_it_back() -> None:
    assert offered(None, Category.DETRACTOR) == ("slow", "not_solved", "explain_twice",
                                                 "unfriendly")
    assert offered(None, Category.PASSIVE) == offered(None, Category.DETRACTOR)
    assert offered(None, Category.PROMOTER) == ("fast", "solved_for_good", "clear", "friendly")


@pytest.mark.parametrize(("scale", "score", "side"), [
    (Scale.THUMBS, 0, Side.LOW), (Scale.THUMBS, 1, Side.HIGH),
    (Scale.CSAT, 2, Side.LOW), (Scale.CSAT, 5, Side.HIGH),
    (Scale.NPS, 8, Side.LOW), (Scale.NPS, 9, Side.HIGH),
])
def test_every_scale_offers_by_its_own_categories(scale: Scale, score: int, side: Side) -> None:
    assert offered(None, scale.classify(score)) == DEFAULTS[side]


def test_off_offers_nothing() -> None:
    assert offered(OFF, Category.DETRACTOR) == () == offered(OFF, Category.PROMOTER)


def test_the_order_is_shuffled_per_prompt_and_the_same_on_every_redraw() -> None:
    keys = DEFAULTS[Side.LOW]
    orders = {in_prompt_order(keys, prompt_id) for prompt_id in range(1, 40)}
    assert len(orders) > 1  # not one fixed order for everyone
    for prompt_id in (1, 7, 123456):
        assert in_prompt_order(keys, prompt_id) == in_prompt_order(keys, prompt_id)
        assert sorted(in_prompt_order(keys, prompt_id)) == sorted(keys)


def test_each_reason_leads_as_often_as_the_others_across_prompts() -> None:
    keys = DEFAULTS[Side.LOW]
    leading = Counter(in_prompt_order(keys, prompt_id)[0] for prompt_id in range(1, 6001))
    assert set(leading) == set(keys)
    share = 6000 / len(keys)
    assert all(abs(count - share) < share * 0.1 for count in leading.values()), leading


def test_a_teams_own_labels_are_read_in_a_canonical_spelling() -> None:
    setting = parse_setting("LOW:  Took too long ;Not solved|high: Fast")
    assert setting == "low: Took too long; Not solved | high: Fast"
    assert custom_sides(setting) == {Side.LOW: ("Took too long", "Not solved"),
                                     Side.HIGH: ("Fast",)}
    assert offered(setting, Category.DETRACTOR) == ("low:Took too long", "low:Not solved")
    assert offered(setting, Category.PROMOTER) == ("high:Fast",)
    assert custom_label("low:Took too long") == "Took too long"
    assert custom_label("slow") is None


def test_one_side_alone_leaves_the_other_without_reasons() -> None:
    setting = parse_setting("high: Quick: really quick")
    assert offered(setting, Category.DETRACTOR) == ()
    assert offered(setting, Category.PROMOTER) == ("high:Quick: really quick",)
    assert side_of_key("high:Quick: really quick") is Side.HIGH


@pytest.mark.parametrize("word", ["off", "OFF", " off "])
def test_off_and_default(word: str) -> None:
    assert parse_setting(word) == OFF
    assert parse_setting("default") is None


@pytest.mark.parametrize(("typed", "why"), [
    ("Took too long; Not solved", "use off, default, or your own labels like"),
    ("low: A | low: B", "use off, default, or your own labels like"),
    ("middle: A", "use off, default, or your own labels like"),
    ("low: A;; B", "a label is empty"),
    ("low: ", "a label is empty"),
    ("low: " + "; ".join("abcdefg"), "give at most 6 labels a side"),
    ("high: " + "x" * 41, "a label can have at most 40 characters"),
    ("high: Fast; fast", "a label is given twice"),
])
def test_bad_settings_are_refused_saying_why(typed: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_setting(typed)


def test_a_new_score_on_the_other_side_changes_the_reasons_asked() -> None:
    assert not changes_side(Category.DETRACTOR, Category.PASSIVE)  # both: what held it back
    assert changes_side(Category.PASSIVE, Category.PROMOTER)
    assert changes_side(Category.PROMOTER, Category.DETRACTOR)
    assert not changes_side(Category.PROMOTER, Category.PROMOTER)


def test_lost_time_buckets_count_as_hours() -> None:
    assert [bucket.hours for bucket in LostTime] == [0.0, 0.5, 4.0, 8.0]
    tally = tally_lost_time({LostTime.UNDER_HOUR: 2, LostTime.DAY_OR_MORE: 1})
    assert (tally.answers, tally.hours) == (3, 9.0)


@pytest.mark.parametrize(("hours", "english", "dutch"), [
    (0.0, "0", "0"), (0.5, "0.5", "0,5"), (4.0, "4", "4"), (9.25, "9.2", "9,2"),
    (12.5, "13", "13"), (31.0, "31", "31"),
])
def test_hours_in_both_languages(hours: float, english: str, dutch: str) -> None:
    assert (hours_text(hours, "en"), hours_text(hours, "nl")) == (english, dutch)
