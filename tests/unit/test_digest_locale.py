"""A digest in the team's language: every word from the catalogue, Dutch numbers in Dutch,
and a terminal's plain text without chat markup."""

from __future__ import annotations

import dataclasses
import re

import pytest

from bot.domain.catalog_digest import DIGEST_CATALOG
from bot.domain.digest import Digest
from bot.domain.digest_text import layout, number, reason_text, render_digest, terminal_text
from bot.domain.errors import InvalidValue
from bot.domain.scales import Scale
from bot.flows.admin import parse_team_option
from tests.unit.test_digest_render import make_digest


def dutch(scale: Scale = Scale.NPS) -> Digest:
    return dataclasses.replace(make_digest(scale), locale="nl")


def _literals(template: str) -> list[str]:
    """The words of a template between its placeholders, long enough to mean something."""
    return [part.strip(" ·()") for part in re.split(r"\{[^}]*\}", template)
            if len(part.strip(" ·()")) > 3]


@pytest.mark.parametrize("scale", list(Scale))
def test_no_english_digest_words_are_left_in_a_dutch_digest(scale: Scale) -> None:
    said = render_digest(dutch(scale), late=True)
    english = {word for key, (en, nl) in DIGEST_CATALOG.items() if en != nl
               and key.startswith(("digest.", "skip.")) for word in _literals(en)
               if word not in nl}  # "Trend," is Dutch too
    assert not sorted(word for word in english if word in said)


def test_a_dutch_digest_in_full() -> None:
    said = render_digest(dutch())
    assert said.splitlines()[:2] == [
        "*R&D <Desk>: wekelijkse beoordelingen, 2026-W47 (16–22 nov 2026)*",
        "NPS +40 ± 50 (n=10) · gelijk aan de vorige 4 weken (+20 ± 54)",
    ]
    assert "Beoordelingen: 6 promotors · 2 passieven · 2 critici" in said
    assert "Reacties: 10 · 12 verzoeken verstuurd, 83% beantwoord" in said
    assert "Bezorging mislukt: 2 (2× het chatplatform kon het gesprek niet vinden)" in said
    assert "Opvolgingen: 4 geopend, 2 opgepakt, 1 opgelost · opgevolgd bij 50% van de critici" \
        in said
    assert "*Per medewerker (minstens 5 respondenten)*" in said


def test_dutch_writes_decimal_commas_and_english_points() -> None:
    assert "CES 7,1 (n=10)" in render_digest(dutch(Scale.CES))
    assert "(6,3 tot 7,1)" in render_digest(dutch(Scale.CES))
    assert "CES 7.1 (n=10)" in render_digest(make_digest(Scale.CES))


def test_each_scale_names_its_categories_in_dutch() -> None:
    assert layout(dutch(Scale.CSAT)).facts[0].value == "6 tevreden · 2 neutraal · 2 ontevreden"
    assert layout(dutch(Scale.THUMBS)).facts[0].value == "6 duim omhoog · 2 duim omlaag"
    assert "(3, moeizaam)" in render_digest(dutch(Scale.CES))


def test_english_is_unchanged_and_the_default() -> None:
    said = render_digest(make_digest())
    assert said.startswith("*R&D <Desk>: weekly ratings, 2026-W47 (16–22 Nov 2026)*")
    assert "Follow-ups: 4 opened, 2 claimed, 1 resolved · loop closed for 50% of detractors" \
        in said


def test_why_someone_was_not_asked_in_both_languages() -> None:
    assert reason_text("cooldown") == "throttled"
    assert reason_text("opted_out", "nl") == "afgemeld"
    assert reason_text("something_new", "nl") == "something new"  # never a KeyError


def test_the_terminal_text_has_no_markup_and_no_slack_syntax() -> None:
    digest = make_digest()
    said = render_digest(digest, plain=True, late=True)
    assert said.startswith("R&D <Desk>: weekly ratings")
    assert "*Comments*" not in said and "\nComments\n" in said
    assert "_Posted late" not in said and "\nPosted late" in said
    assert "  Slow *and* rude @U123 (3, detractor) — Bram <b>" in said  # their words, kept
    assert "<@" not in said and "\n> " not in said


@pytest.mark.parametrize(("typed", "shown"), [
    ("<@U123>", "@U123"),
    ("<#C42|it-help>", "#it-help"),
    ("<!here>", "@here"),
    ("<https://x.example/a?b=1|the guide>", "the guide (https://x.example/a?b=1)"),
    ("<mailto:a@b.example>", "mailto:a@b.example"),
    ("a &lt;b&gt; &amp;amp; c", "a <b> &amp; c"),
    ("3 < 4 and *bold* stays", "3 < 4 and *bold* stays"),
])
def test_slack_syntax_in_plain_words(typed: str, shown: str) -> None:
    assert terminal_text(typed) == shown


@pytest.mark.parametrize(("value", "stored"), [("nl", "nl"), ("EN", "en"), (" nl ", "nl"),
                                               ("default", None)])
def test_the_team_locale_option(value: str, stored: str | None) -> None:
    assert parse_team_option("locale", value) == ("locale", stored)


def test_an_unknown_locale_is_refused_with_the_choices() -> None:
    with pytest.raises(InvalidValue, match="'fr' is not a valid locale: use en, nl"):
        parse_team_option("locale", "fr")


def test_the_chart_of_a_dutch_team_is_labelled_in_dutch() -> None:
    pytest.importorskip("matplotlib")
    from app.chart import draw_chart

    figure = draw_chart(dutch(Scale.CSAT))
    assert figure is not None
    [title] = figure.texts
    assert title.get_text() == "R&D <Desk>: wekelijkse CSAT, % tevreden"
    [axes] = figure.axes
    ticks = [label.get_text() for label in axes.get_xticklabels()]
    assert ticks and all(tick.startswith("wk") for tick in ticks)
    legend = [entry.get_text() for entry in axes.get_legend().get_texts()]
    assert legend == ["95%-interval", "CSAT"]


def test_dutch_figures_have_decimal_commas_and_intervals_from_tot() -> None:
    assert number("+80 (+19 to +96)", "nl") == "+80 (+19 tot +96)"
    assert number("100% (68% to 100%)", "nl") == "100% (68% tot 100%)"
    assert number("4.2 ± 0.3", "nl") == "4,2 ± 0,3"
    assert number("+80 (+19 to +96)", "en") == "+80 (+19 to +96)"
