"""Mutual rating's Adaptive Card: the question, one-tap answers with their data, a notice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from adapters.teams.request_check import VERB, check_card
from bot.domain.model import Person
from bot.domain.request_checks import Reach, RequestCheck
from tests.e2e.teams.support import buttons, texts_of

CHECK = RequestCheck(7, "Service Desk", Person(1, "piet@example.com"),
                     datetime(2026, 12, 1, tzinfo=UTC), "nl", subject="Printer")


def test_the_question_in_the_agents_language() -> None:
    card = check_card(CHECK)
    shown = texts_of(card)
    assert "Je hebt “Printer” voor Service Desk afgesloten." in shown
    assert "Hoe was het om aan dit verzoek te werken?" in shown
    assert [action["title"] for action in buttons(card)] == [
        "Duidelijk", "Deels duidelijk", "Onduidelijk", "Ja", "Niet goed"]
    assert {action["verb"] for action in buttons(card)} == {VERB}
    assert buttons(card)[4]["data"] == {"check": 7, "question": "reach", "answer": "no"}
    assert buttons(card)[4]["fallback"]["data"]["ratebot"] == VERB


def test_after_a_tap_the_answer_is_marked_and_the_receipt_carried() -> None:
    card = check_card(replace(CHECK, reach=Reach.YES, receipt="r-1"))
    yes = buttons(card)[3]
    assert yes["style"] == "positive" and yes["data"]["receipt"] == "r-1"
    assert "Bedankt, genoteerd." in texts_of(card)


def test_a_notice_replaces_the_buttons() -> None:
    card = check_card(replace(CHECK, notice="Deze vraag is verlopen."))
    assert buttons(card) == [] and "Deze vraag is verlopen." in texts_of(card)
