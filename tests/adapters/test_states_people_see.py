"""What a prompt and an alert say in each state, alike on Slack and Teams (issue 16).

A resolved alert says who resolved it (and who had claimed it) in the past tense; the
anonymity notice stays in view after the click, where the person may write a comment.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.slack import render as slack
from adapters.teams import render as teams
from bot.domain.messages import DetractorAlert, PromptUpdate, RatingPrompt
from bot.domain.model import Anonymity, Person
from bot.domain.scales import Scale
from bot.domain.texts import anonymity_notice

ALERT = DetractorAlert(
    follow_up_id=5, team_name="servicedesk", team_display_name="Service Desk",
    scale=Scale.CSAT, score=1, comment="Slow", agent_name=None, requester_name=None,
    subject=None, ticket_id="INC-1",
)


def slack_alert(alert: DetractorAlert, locale: str = "en") -> str:
    return json.dumps(slack.alert_message(alert, locale).blocks, ensure_ascii=False)


def teams_alert(alert: DetractorAlert, locale: str = "en") -> str:
    return json.dumps(teams.alert_card(alert, locale), ensure_ascii=False)


@pytest.mark.parametrize("shown", [slack_alert, teams_alert])
def test_a_resolved_alert_no_longer_says_someone_is_following_up(shown: Any) -> None:
    claimed = dataclasses.replace(ALERT, claimed_by="Piet")
    assert "Piet is following up." in shown(claimed)
    by_claimer = dataclasses.replace(claimed, resolved_by="Piet", resolution_note="Called")
    assert "following up" not in shown(by_claimer)
    assert "Resolved by Piet." in shown(by_claimer)
    by_other = dataclasses.replace(claimed, resolved_by="Anna")
    assert "following up" not in shown(by_other)
    assert "Resolved by Anna, after Piet followed up." in shown(by_other)
    unclaimed = dataclasses.replace(ALERT, resolved_by="Anna")
    assert "Resolved by Anna." in shown(unclaimed) and "after" not in shown(unclaimed)


@pytest.mark.parametrize("shown", [slack_alert, teams_alert])
def test_a_resolved_alert_in_dutch_and_in_its_scales_words(shown: Any) -> None:
    done = dataclasses.replace(ALERT, claimed_by="Piet", resolved_by="Anna")
    dutch = shown(done, "nl")
    assert "Opgelost door Anna, nadat Piet het had opgepakt." in dutch
    assert "pakt dit op" not in dutch
    assert "etractor" not in shown(done) + dutch  # a CSAT team has dissatisfied ratings


@pytest.mark.parametrize("shown", [slack_alert, teams_alert])
def test_names_in_the_follow_up_line_are_escaped(shown: Any) -> None:
    done = dataclasses.replace(ALERT, claimed_by="<@U1> *x*", resolved_by="Anna")
    assert "<@U1>" not in shown(done)


def prompt(anonymity: Anonymity) -> RatingPrompt:
    return RatingPrompt(
        prompt_id=12, recipient=Person(id=1, email="jan@example.com", locale="nl-NL"),
        team_name="servicedesk", team_display_name="Service Desk",
        question=Scale.NPS.spec.question.format(team="Service Desk"), scale=Scale.NPS,
        anonymity=anonymity, expires_at=datetime(2026, 12, 1, tzinfo=UTC),
    )


def slack_update(update: PromptUpdate, locale: str) -> str:
    return json.dumps(slack.prompt_message(update.prompt, locale, update).blocks,
                      ensure_ascii=False)


def teams_update(update: PromptUpdate, locale: str) -> str:
    return json.dumps(teams.prompt_update_card(update, locale), ensure_ascii=False)


@pytest.mark.parametrize("anonymity", [Anonymity.ANONYMOUS, Anonymity.CONFIDENTIAL])
@pytest.mark.parametrize("shown", [slack_update, teams_update])
@pytest.mark.parametrize("locale", ["en", "nl"])
def test_the_anonymity_notice_stays_after_the_click_and_after_the_comment(
    anonymity: Anonymity, shown: Any, locale: str
) -> None:
    notice = anonymity_notice(anonymity, "Service Desk", locale)
    rated = PromptUpdate(prompt(anonymity), score=8, receipt="r")
    assert notice in shown(rated, locale)  # beside the comment box (Teams) / button (Slack)
    commented = dataclasses.replace(rated, comment="Quick and kind")
    assert notice in shown(commented, locale)


@pytest.mark.parametrize("anonymity", [Anonymity.ANONYMOUS, Anonymity.CONFIDENTIAL])
def test_slacks_comment_modal_keeps_the_notice_in_view(anonymity: Anonymity) -> None:
    notice = anonymity_notice(anonymity, "Service Desk", "nl")
    modal = slack.comment_modal("nl", {"p": 12}, notice=notice)
    texts = [element["text"] for block in modal["blocks"] if block["type"] == "context"
             for element in block["elements"]]
    assert texts == [notice]
    assert modal["blocks"][0]["type"] == "input"  # the field comes first
    assert all(b["type"] != "context" for b in slack.comment_modal("nl", {"p": 12})["blocks"])


@pytest.mark.parametrize("shown", [slack_update, teams_update])
def test_a_notice_the_rules_raised_in_english_reads_in_the_prompts_language(
    shown: Any,
) -> None:
    withdrawn = PromptUpdate(prompt(Anonymity.IDENTIFIED),
                             notice="This rating request was withdrawn because the ticket "
                                    "was reopened.")
    dutch = shown(withdrawn, "nl")
    assert "ingetrokken omdat het ticket weer open is" in dutch and "withdrawn" not in dutch
    assert "withdrawn because the ticket was reopened" in shown(withdrawn, "en")


@pytest.mark.parametrize("shown", [slack_alert, teams_alert])
def test_the_resolve_button_says_what_it_does(shown: Any) -> None:
    assert "Mark as resolved" in shown(ALERT) and "Markeer als opgelost" in shown(ALERT, "nl")


def test_teams_shows_the_alerts_facts_in_columns_in_the_readers_language() -> None:
    alert = dataclasses.replace(ALERT, agent_name="Piet *P*", subject="VPN")
    [fact_set] = [el for el in teams.alert_card(alert, "nl")["body"] if el["type"] == "FactSet"]
    assert fact_set["facts"] == [
        {"title": "Medewerker", "value": "Piet \\*P\\*"},
        {"title": "Ticket", "value": "INC-1"},
        {"title": "Onderwerp", "value": "VPN"},
    ]
