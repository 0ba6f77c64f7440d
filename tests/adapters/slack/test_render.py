"""Block Kit rendering of prompts, updates and alerts, from core objects."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.slack.rate_value import RateValue
from adapters.slack.render import (
    alert_message,
    comment_modal,
    prompt_message,
)
from bot.domain.messages import DetractorAlert, PromptUpdate, RatingPrompt
from bot.domain.model import Anonymity, Person
from bot.domain.scales import Scale

JAN = Person(id=1, email="jan@example.com", display_name="Jan", locale="en-US")


def prompt(scale: Scale = Scale.NPS, anonymity: Anonymity = Anonymity.IDENTIFIED,
           **changes: Any) -> RatingPrompt:
    values: dict[str, Any] = {
        "prompt_id": 42, "recipient": JAN, "team_name": "servicedesk",
        "team_display_name": "Service Desk",
        "question": scale.spec.question.format(team="Service Desk"), "scale": scale,
        "anonymity": anonymity, "expires_at": datetime(2026, 12, 1, tzinfo=UTC),
        "agent_name": "Piet", "subject": "Printer", "ticket_id": "INC-1",
    }
    values.update(changes)
    return RatingPrompt(**values)


def buttons(blocks: list[dict[str, Any]], block_id: str = "rate") -> list[dict[str, Any]]:
    block = next(b for b in blocks if b.get("block_id") == block_id)
    elements: list[dict[str, Any]] = block["elements"]
    return elements


@pytest.mark.parametrize(
    ("scale", "labels"),
    [
        (Scale.NPS, [str(n) for n in range(11)]),
        (Scale.CSAT, ["1", "2", "3", "4", "5"]),
        (Scale.CES, [str(n) for n in range(1, 8)]),
        (Scale.THUMBS, [":-1:", ":+1:"]),
    ],
)
def test_one_button_per_score_of_the_scale(scale: Scale, labels: list[str]) -> None:
    rendered = buttons(prompt_message(prompt(scale), "en").blocks)
    assert [b["text"]["text"] for b in rendered] == labels
    assert len({b["action_id"] for b in rendered}) == len(labels)
    scores = [RateValue.decode(b["value"]).score for b in rendered]
    assert scores == list(scale.scores())


@pytest.mark.parametrize(
    ("anonymity", "notice"),
    [
        (Anonymity.IDENTIFIED, "Your name is shown with your answer"),
        (Anonymity.CONFIDENTIAL, "only ratebot admins can see your name"),
        (Anonymity.ANONYMOUS, "it can't be traced back to you"),
    ],
)
def test_the_person_is_told_the_anonymity_before_answering(
    anonymity: Anonymity, notice: str
) -> None:
    assert notice in json.dumps(prompt_message(prompt(anonymity=anonymity), "en").blocks)


def test_a_teams_own_question_is_kept_as_written_in_every_language() -> None:
    custom = prompt(question="Hoe was het?")
    assert "*Hoe was het?*" in json.dumps(prompt_message(custom, "en").blocks)


def test_after_a_click_the_score_is_marked_and_buttons_carry_the_receipt() -> None:
    p = prompt()
    message = prompt_message(p, "en", PromptUpdate(p, score=6, receipt="R3C", comment="Slow"))
    rendered = buttons(message.blocks)
    assert [b.get("style") for b in rendered].count("primary") == 1
    assert rendered[6]["style"] == "primary"
    assert {RateValue.decode(b["value"]).receipt for b in rendered} == {"R3C"}
    body = json.dumps(message.blocks)
    assert "You rated *6*" in body and "> Slow" in body
    assert buttons(message.blocks, "comment")[0]["value"] == "42:R3C"
    assert "optout" not in body


@pytest.mark.parametrize("scale", list(Scale))
def test_the_chosen_score_alone_is_marked_on_every_scale(scale: Scale) -> None:
    p = prompt(scale)
    for chosen in scale.scores():
        rendered = buttons(prompt_message(p, "en", PromptUpdate(p, score=chosen,
                                                                receipt="R")).blocks)
        assert [b.get("style") for b in rendered] == [
            "primary" if score == chosen else None for score in scale.scores()]
        assert [b["value"] for b in rendered] == [
            RateValue(42, score, "R").encode() for score in scale.scores()]


def test_a_withdrawn_prompt_shows_the_notice_and_no_buttons() -> None:
    p = prompt()
    message = prompt_message(p, "en", PromptUpdate(p, notice="Withdrawn <because>"))
    body = json.dumps(message.blocks)
    assert "Withdrawn &lt;because&gt;" in body and "rate:" not in body


def alert(**changes: Any) -> DetractorAlert:
    values: dict[str, Any] = {
        "follow_up_id": 5, "team_name": "servicedesk", "team_display_name": "Service Desk",
        "scale": Scale.NPS, "score": 2, "comment": "<!here> bad", "agent_name": "Piet",
        "requester_name": None, "subject": None, "ticket_id": "INC-1",
    }
    values.update(changes)
    return DetractorAlert(**values)


def test_an_open_alert_offers_claim_and_resolve() -> None:
    body = json.dumps(alert_message(alert(), "en").blocks)
    assert "followup.claim" in body and "followup.resolve" in body
    assert "&lt;!here&gt; bad" in body and "Requester" not in body


def test_an_alert_is_named_in_its_scales_words() -> None:
    nps = alert_message(alert(), "en")
    assert "Detractor alert for *Service Desk*" in json.dumps(nps.blocks)
    assert nps.text.startswith("Detractor alert for Service Desk")
    csat = alert_message(alert(scale=Scale.CSAT, score=1), "en")
    assert "Dissatisfied rating for *Service Desk*" in json.dumps(csat.blocks)
    assert csat.text == "Dissatisfied rating for Service Desk: score 1"
    assert "etractor" not in json.dumps(csat.blocks) + csat.text


def test_a_claimed_alert_names_who_and_keeps_resolve() -> None:
    body = json.dumps(alert_message(alert(claimed_by="Piet <x>"), "en").blocks)
    assert "Piet &lt;x&gt; is following up." in body
    assert "followup.claim" not in body and "followup.resolve" in body


def test_a_resolved_alert_has_no_buttons() -> None:
    message = alert_message(alert(claimed_by="Piet", resolved_by="Piet",
                                  resolution_note="Fixed"), "en")
    body = json.dumps(message.blocks)
    assert "Resolved by Piet." in body and "Note: Fixed" in body and "followup." not in body


def test_the_comment_modal_carries_the_prompt_and_receipt() -> None:
    view = comment_modal("nl", {"p": 42, "r": "R"})
    assert json.loads(view["private_metadata"]) == {"p": 42, "r": "R"}
    assert view["title"]["text"] == "Je feedback"
    assert view["blocks"][0]["element"]["max_length"] == 2000
