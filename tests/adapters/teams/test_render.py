"""Adaptive Cards built from core objects: structure, languages and safety of text."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.teams import render
from adapters.teams.escape import escape, escaped, say, teams_markdown
from bot.domain.answers import RatedItem
from bot.domain.messages import DetractorAlert, PromptUpdate, RatingPrompt
from bot.domain.model import Anonymity, Person
from bot.domain.scales import Scale
from bot.domain.texts import text
from bot.flows.interactions.views import Home, TeamLine

HOSTILE = "[win](https://evil.example) **big** ${user.secret} {{DATE(2020-01-01T00:00:00Z)}}"


def prompt(scale: Scale = Scale.NPS, **changes: Any) -> RatingPrompt:
    values: dict[str, Any] = {
        "prompt_id": 12,
        "recipient": Person(id=1, email="jan@example.com", locale="en-US"),
        "team_name": "servicedesk",
        "team_display_name": "Service Desk",
        "question": scale.spec.question.format(team="Service Desk"),
        "scale": scale,
        "anonymity": Anonymity.IDENTIFIED,
        "expires_at": datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        "agent_name": "Piet",
        "subject": "Printer",
        "ticket_id": "INC-42",
    }
    values.update(changes)
    return RatingPrompt(**values)


def all_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(card.get("actions") or [])
    for element in card["body"]:
        if element["type"] == "ActionSet":
            found += element["actions"]
    return found


def rows(card: dict[str, Any]) -> list[list[str]]:
    return [[a["title"] for a in el["actions"]] for el in card["body"]
            if el["type"] == "ActionSet" and el["actions"][0]["verb"] == "rate"]


def all_text(card: dict[str, Any]) -> str:
    return "\n".join(el.get("text", "") for el in card["body"])


@pytest.mark.parametrize(("scale", "expected"), [
    (Scale.NPS, [["0", "1", "2", "3", "4", "5"], ["6", "7", "8", "9", "10"]]),
    (Scale.CSAT, [["1", "2", "3", "4", "5"]]),
    (Scale.CES, [["1", "2", "3", "4"], ["5", "6", "7"]]),
    (Scale.THUMBS, [["👎", "👍"]]),
])
def test_one_button_per_score_in_rows_teams_can_show(scale: Scale, expected: list[list[str]]
                                                     ) -> None:
    assert rows(render.prompt_card(prompt(scale), "en")) == expected


def test_every_action_is_execute_with_a_submit_fallback_carrying_the_same_data() -> None:
    card = render.prompt_card(prompt(), "en")
    assert card["version"] == "1.5" and card["type"] == "AdaptiveCard"
    for action in all_actions(card):
        assert action["type"] == "Action.Execute"
        fallback = action["fallback"]
        assert fallback["type"] == "Action.Submit"
        assert fallback["data"] == {"ratebot": action["verb"], **action["data"]}
        assert fallback["title"] == action["title"]


def test_the_prompt_says_who_helped_what_and_how_anonymous_and_until_when() -> None:
    text = all_text(render.prompt_card(prompt(anonymity=Anonymity.ANONYMOUS), "en"))
    assert "Piet of **Service Desk** helped you with “Printer” (ticket INC-42)" in text
    assert "How likely are you to recommend Service Desk" in text
    assert "anonymous" in text
    assert "{{DATE(2026-12-01T10:00:00Z, SHORT)}}" in text  # ratebot's own date function


def test_dutch() -> None:
    card = render.prompt_card(prompt(Scale.CSAT), "nl")
    assert "Hoe tevreden ben je" in all_text(card)
    assert any(a["title"] == "Niet meer vragen" for a in all_actions(card))


def test_a_team_question_is_shown_as_written_but_escaped() -> None:
    card = render.prompt_card(prompt(question="Was **it** [ok](x)?"), "nl")
    assert "Was \\*\\*it\\*\\* \\[ok\\]\\(x\\)?" in all_text(card)


def test_person_typed_text_never_becomes_markup_or_an_expression() -> None:
    hostile = prompt(subject=HOSTILE, agent_name=HOSTILE, team_display_name="Desk *x*")
    update = PromptUpdate(hostile, score=3, comment=HOSTILE, receipt="r")
    alert = DetractorAlert(
        follow_up_id=1, team_name="x", team_display_name=HOSTILE, scale=Scale.NPS, score=3,
        comment=HOSTILE, agent_name=HOSTILE, requester_name=HOSTILE, subject=HOSTILE,
        ticket_id=HOSTILE, claimed_by=HOSTILE, resolved_by=HOSTILE, resolution_note=HOSTILE,
    )
    for card in (render.prompt_card(hostile, "en"), render.rated_card(update, "en"),
                 render.thanks_card(update, "en"), render.alert_card(alert, "en"),
                 render.notice_card(HOSTILE, update, "nl")):
        text = all_text(card)
        assert "[win](" not in text and "**big**" not in text
        assert "${" not in json.dumps(card, ensure_ascii=False)
        assert "{{DATE(2020" not in text


def test_the_rated_card_offers_an_empty_comment_box_and_keeps_the_receipt() -> None:
    update = PromptUpdate(prompt(), score=8, comment="Earlier **words**", receipt="abc")
    card = render.rated_card(update, "en")
    [box] = [el for el in card["body"] if el["type"] == "Input.Text"]
    assert box == {"type": "Input.Text", "id": "comment", "isMultiline": True,
                   "maxLength": 2000, "label": "What could we do better?"}
    send = [a for a in all_actions(card) if a["verb"] == "comment"]
    assert send[0]["data"] == {"prompt": 12, "score": 8, "receipt": "abc"}
    rated = [a for a in all_actions(card) if a["verb"] == "rate"]
    assert all(a["data"]["receipt"] == "abc" for a in rated)
    assert [a["title"] for a in rated if a.get("style") == "positive"] == ["8"]


def test_the_alert_offers_claim_then_resolve_then_nothing() -> None:
    alert = DetractorAlert(
        follow_up_id=5, team_name="servicedesk", team_display_name="Service Desk",
        scale=Scale.CSAT, score=1, comment=None, agent_name=None, requester_name=None,
        subject=None, ticket_id=None,
    )
    verbs = [a["verb"] for a in all_actions(render.alert_card(alert, "en"))]
    assert verbs == ["claim", "resolve"]
    claimed = dataclasses.replace(alert, claimed_by="Piet")
    assert [a["verb"] for a in all_actions(render.alert_card(claimed, "en"))] == ["resolve"]
    done = dataclasses.replace(claimed, resolved_by="Piet", resolution_note="Called back")
    card = render.alert_card(done, "en")
    assert all_actions(card) == []
    assert "Resolved by Piet." in all_text(card) and "Called back" in all_text(card)
    assert "Score: **1** of 5" in all_text(card)
    # A CSAT team's alert speaks CSAT: no detractors there.
    assert "Dissatisfied rating for **Service Desk**" in all_text(card)
    assert "etractor" not in all_text(card)


def test_escape_keeps_plain_text_readable() -> None:
    assert escape("Printer on floor 3.5, room 12") == "Printer on floor 3.5, room 12"
    assert escape("- list\n1. item\n# head\n> quote") == "\\- list\n1\\. item\n\\# head\n\\> quote"
    assert escape("a_b*c`d") == "a\\_b\\*c\\`d"


_MARKDOWNISH = st.text(alphabet=st.sampled_from(
    [*"ab 1\t\n\r.)#>+-\\`*_[]()~<>|${}", "\u00a0", "٣", "\u2028"]), max_size=30)


@settings(max_examples=600, deadline=None)
@given(st.one_of(_MARKDOWNISH, st.text(max_size=30)))
def test_text_with_nothing_to_escape_is_returned_as_it_is_and_all_else_escaped(
    text: str,
) -> None:
    assert escape(text) == escaped(text)


def test_catalog_bold_becomes_teams_bold_and_values_are_escaped() -> None:
    assert say("prompt.thanks", "en", score="*8*") == "You rated **\\*8\\***. Thank you!"
    assert teams_markdown("*Scores* for \\*x\\*") == "**Scores** for \\*x\\*"


def test_a_comment_keeps_its_line_breaks_on_the_thanks_and_alert_cards() -> None:
    # Teams joins lines on a single newline outside a list: a break needs a blank line.
    comment = "The printer works.\nBut it took a week.\r\n- and *nobody* called"
    update = PromptUpdate(prompt(), score=3, comment=comment, receipt="r")
    alert = DetractorAlert(
        follow_up_id=1, team_name="x", team_display_name="Desk", scale=Scale.NPS, score=3,
        comment=comment, agent_name=None, requester_name=None, subject=None, ticket_id=None,
    )
    shown = "The printer works.\n\nBut it took a week.\n\n\\- and \\*nobody\\* called"
    assert shown in all_text(render.thanks_card(update, "en"))
    assert shown in all_text(render.alert_card(alert, "en"))


def test_notices_show_the_catalogue_markup_as_teams_bold_not_literally() -> None:
    thanks = render.notice_card(text("prompt.thanks", "en", score=3))
    assert all_text(thanks) == "You rated **3**. Thank you!"
    optout = render.notice_card(text("optout.done", "nl").replace("/ratings", "ratings"))
    assert all_text(optout).endswith("Gebruik **ratings optin**.")
    assert "\\" not in all_text(optout) and "`" not in all_text(optout)


def home(*, opted_out: bool = False, locale: str = "en", teams: list[TeamLine] | None = None,
         ratings: list[RatedItem] | None = None) -> Home:
    jan = Person(id=1, email="jan@example.com", opted_out=opted_out)
    rated = [RatedItem("Service Desk", Scale.NPS, 9, datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
                       has_comment=False)]
    return Home(jan, rated if ratings is None else ratings, teams, locale)


def test_home_card_lists_the_ratings_and_offers_the_switch_my_data_and_forget_me() -> None:
    card = render.home_card(home())
    shown = all_text(card)
    assert text("home.title", "en") in shown
    assert "Service Desk: **9** on {{DATE(2026-11-30T09:00:00Z, SHORT)}}" in shown
    assert text("home.asked", "en") in shown
    optout, mydata, forget = card["actions"]
    assert (optout["verb"], optout["title"]) == (render.OPTOUT, text("home.optout", "en"))
    assert (mydata["verb"], mydata["title"]) == (render.MYDATA, text("mydata.button", "en"))
    # Forget me asks first: its button only opens the question, the erasure is inside.
    assert forget["type"] == "Action.ShowCard"
    assert forget["title"] == text("forgetme.button", "en")
    [confirm] = forget["card"]["actions"]
    assert (confirm["verb"], confirm["style"]) == (render.FORGETME, "destructive")
    assert all_text(forget["card"]) == say("forgetme.ask", "en")
    assert "Teams (last" not in shown  # no admin


def test_home_card_for_someone_opted_out_offers_to_ask_again_in_dutch() -> None:
    card = render.home_card(home(opted_out=True, locale="nl", ratings=[]))
    shown = all_text(card)
    assert text("home.none", "nl") in shown
    assert text("home.not_asked", "nl") in shown
    assert card["actions"][0]["verb"] == render.OPTIN
    assert card["actions"][0]["title"] == text("home.optin", "nl")


def test_home_card_escapes_team_names_and_shows_an_admin_the_teams() -> None:
    line = TeamLine(HOSTILE, "NPS +40", 12, "▁▃▅", 2)
    hostile = RatedItem(HOSTILE, Scale.THUMBS, 1, datetime(2026, 11, 30, tzinfo=UTC),
                        has_comment=True)
    card = render.home_card(home(teams=[line], ratings=[hostile]))
    shown = all_text(card)
    assert escape(HOSTILE) in shown
    assert "](https://evil" not in shown and "${user" not in shown
    assert "{{DATE(2020" not in shown
    assert "👍" in shown and "(n = 12)" in shown and "▁▃▅" in shown
    assert text("home.follow_ups", "en", count=2) in shown
