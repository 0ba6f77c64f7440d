"""Mutual rating's rules: who is asked, how failures wait, what a tap may say, the figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.catalog_mutual import MUTUAL_CATALOG
from bot.domain.decisions import AskingFacts, PendingClose, Settlement
from bot.domain.model import Person, PromptStatus, Team
from bot.domain.request_checks import (
    CLARITY,
    REACH,
    Clarity,
    NewRequestCheck,
    Reach,
    RequestFigures,
    answered_marker,
    checks_to_open,
    parse_answer,
    retry_wait,
)
from bot.domain.texts import reply_in_locale, text
from bot.flows.request_checks import figures_line

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
ON = Team(1, "servicedesk", "Service Desk", mutual=True)
OFF = Team(2, "infra", "Infrastructure")
PIET = Person(10, "piet@example.com")
JAN = Person(11, "jan@example.com")
GONE = Person(12, "gone@example.com", opted_out=True)


def settlement(conversation: int, team: Team, agent: int | None, requester: int = 11
               ) -> Settlement:
    close = PendingClose(conversation, "generic", f"T-{conversation}", team.id, 1, False,
                         None, None, 0, T0)
    return Settlement(close, requester, agent, PromptStatus.PENDING, None, T0, T0, T0)


def test_only_a_known_agent_of_a_team_that_turned_it_on_is_asked() -> None:
    facts = AskingFacts(teams={1: ON, 2: OFF}, people={p.id: p for p in (PIET, JAN, GONE)})
    opened = checks_to_open([
        settlement(1, ON, PIET.id),
        settlement(2, OFF, PIET.id),  # the team did not turn it on
        settlement(3, ON, None),  # no agent named
        settlement(4, ON, GONE.id),  # opted out
        settlement(5, ON, JAN.id, requester=JAN.id),  # closed their own request
        settlement(6, ON, 99),  # nobody the store knows
    ], facts)
    assert opened == [NewRequestCheck(1, 1, PIET.id)]


def test_failures_wait_longer_then_give_up() -> None:
    assert [retry_wait(n) for n in (1, 2, 3, 4)] == [
        timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), None]


def test_a_tap_says_one_of_the_answers_drawn() -> None:
    assert parse_answer(CLARITY, "partly") is Clarity.PARTLY
    assert parse_answer(REACH, "no") is Reach.NOT_EASILY
    for question, value in ((CLARITY, "yes"), (REACH, "clear"), ("mood", "clear")):
        with pytest.raises(ValueError):
            parse_answer(question, value)


def test_the_marker_names_the_check_to_the_key_holder_only() -> None:
    assert answered_marker("k", 1) != answered_marker("k", 2)
    assert answered_marker("k", 1) != answered_marker("other", 1)
    assert len(answered_marker("k", 1)) == 64


def test_the_admins_line_in_english_and_dutch() -> None:
    figures = RequestFigures(clear=29, partly=8, unclear=3, reachable=34, not_reachable=6, n=40)
    line = figures_line("Service Desk", figures)
    assert line == ("• Service Desk, requests as agents saw them (last 90 days): clear 72%, "
                    "partly 20%, unclear 8%; reachable 85% (n=40)")
    assert reply_in_locale(line, "nl") == (
        "• Service Desk, verzoeken zoals medewerkers ze zagen (laatste 90 dagen): duidelijk "
        "72%, deels 20%, onduidelijk 8%; bereikbaar 85% (n=40)")
    assert "reachable — (n=2)" in figures_line("X", RequestFigures(clear=2, n=2))


def test_every_word_is_in_english_and_dutch() -> None:
    for key, (english, dutch) in MUTUAL_CATALOG.items():
        assert english and dutch and english != dutch, key
        assert text(key, "nl") == dutch
