"""mrkdwn escaping: nothing a person typed can ping, link or break out of its block."""

from __future__ import annotations

import pytest

from adapters.slack.escape import escape, fit, quote


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here>", "&lt;!here&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("<http://evil.example|your bank>", "&lt;http://evil.example|your bank&gt;"),
        ("fish & chips", "fish &amp; chips"),
        ("&lt;", "&amp;lt;"),  # an entity typed literally stays literal
        ("plain *bold* _it_", "plain *bold* _it_"),
    ],
)
def test_escape(typed: str, shown: str) -> None:
    assert escape(typed) == shown


def test_fit_cuts_between_characters_never_inside_an_entity() -> None:
    cut = fit("<" * 100, 22)
    assert cut == "&lt;" * 5 + "…"
    assert len(cut) <= 22


def test_fit_leaves_short_text_alone() -> None:
    assert fit("a < b", 100) == "a &lt; b"


def test_quote_prefixes_every_line() -> None:
    assert quote("one\n<@U1>") == "> one\n> &lt;@U1&gt;"


def test_a_long_comment_fits_in_one_section() -> None:
    assert len(quote("<" * 2000)) <= 3000
