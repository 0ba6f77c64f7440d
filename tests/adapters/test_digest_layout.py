"""The digest as a team reads it in Slack and Teams: grouped facts, not a wall of lines.

The score stands on its own, the week's facts sit in label/value columns (Slack's
fields, Teams' FactSet), comments and agents come after a separator; the sparkline spans
the chart's weeks, and a delivery failure is said in words, never as a platform's code.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from adapters.slack.render import digest_message
from adapters.teams.render import digest_card
from app.chart import draw_chart
from bot.domain.digest import HISTORY_WEEKS
from bot.domain.digest_text import layout
from bot.domain.messages import DigestMessage
from bot.domain.tallies import PromptTally
from bot.ports.charts import FULL_SIZE
from tests.unit.test_digest_render import make_digest

LABELS = ["Ratings", "Trend, 9 weeks", "Responses", "Delivery failed", "Follow-ups"]


def failing_digest() -> DigestMessage:
    digest = dataclasses.replace(make_digest(), prompts=PromptTally(
        sent=12, answered=10, failed={"conversation_not_found <teams>": 2}))
    return DigestMessage(digest, late=True)


@pytest.mark.parametrize("empty_weeks", [0, 3, HISTORY_WEEKS - 1])
def test_the_sparkline_spans_the_weeks_of_the_chart(empty_weeks: int) -> None:
    digest = make_digest(empty_weeks=empty_weeks)
    shown = HISTORY_WEEKS - empty_weeks  # from the first week with ratings
    assert len(digest.sparkline) == len(digest.trend) == shown
    assert digest.trend[-1].week == digest.week
    trend = next(f for f in layout(digest).facts if f.label.startswith("Trend"))
    assert trend.label == (f"Trend, {shown} weeks" if shown > 1 else "Trend, 1 week")
    pytest.importorskip("matplotlib")
    figure = draw_chart(digest, FULL_SIZE)
    assert figure is not None
    [axes] = figure.axes
    left, right = axes.get_xlim()
    # The chart's x axis spans exactly the sparkline's weeks.
    assert (left + 0.5, right - 0.5) == (empty_weeks, HISTORY_WEEKS - 1)
    assert digest.history[empty_weeks] is digest.trend[0]


def test_slack_shows_the_score_then_the_facts_as_fields_then_the_comments() -> None:
    message = digest_message(failing_digest())
    kinds = [block["type"] for block in message.blocks]
    assert kinds == ["section", "context", "section", "section", "divider", "section",
                     "section"]
    title, late, score, facts = message.blocks[:4]
    assert title["text"]["text"].startswith("*R&amp;D &lt;Desk&gt;: weekly ratings")
    assert late["elements"][0]["text"] == \
        "_Posted late: the bot was offline at the scheduled time._"
    assert score["text"]["text"].startswith("*NPS +40 ± 50*  (n=10)\nsteady compared with")
    fields = [field["text"] for field in facts["fields"]]
    assert [field.split("\n")[0] for field in fields] == [f"*{label}*" for label in LABELS]
    assert "*Delivery failed*\n2 (2× Teams could not find the conversation)" in fields
    assert message.blocks[5]["text"]["text"].startswith("*Comments*\n> Slow")
    assert "conversation_not_found" not in json.dumps(message.blocks)


def fact_sets(content: dict[str, Any]) -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []

    def walk(element: dict[str, Any]) -> None:
        if element.get("type") == "FactSet":
            found.append([(fact["title"], fact["value"]) for fact in element["facts"]])
        for child in element.get("items") or element.get("body") or []:
            walk(child)

    walk(content)
    return found


def test_teams_shows_the_score_large_and_the_facts_in_a_fact_set() -> None:
    content = digest_card(failing_digest())
    head = content["body"][0]["items"]
    assert head[0]["text"].startswith("**R&D \\<Desk\\>: weekly ratings")
    assert head[1]["text"] == "Posted late: the bot was offline at the scheduled time."
    assert (head[2]["text"], head[2]["size"], head[2]["weight"]) == \
        ("NPS +40 ± 50", "ExtraLarge", "Bolder")
    assert head[3]["text"].startswith("n=10 · steady compared with") and head[3]["isSubtle"]
    week, agents = fact_sets(content)
    assert [label for label, _ in week] == LABELS
    assert ("Delivery failed", "2 (2× Teams could not find the conversation)") in week
    assert agents == [("Piet & co", "+40 ± 50 (n=10)")]
    # Facts, comments and agents are set apart, each with room above it.
    separated = [el for el in content["body"] if el.get("separator")]
    assert len(separated) == 3 and all(el["spacing"] == "Medium" for el in separated)
    assert "conversation_not_found" not in json.dumps(content)


def test_an_empty_week_is_its_note_and_the_asking_facts() -> None:
    digest = dataclasses.replace(make_digest(empty_weeks=HISTORY_WEEKS),
                                 comments=(), agents=(),
                                 prompts=PromptTally(sent=0, answered=0))
    parts = layout(digest)
    assert (parts.headline, parts.respondents) == ("No ratings this week.", None)
    assert [(f.label, f.value) for f in parts.facts] == [("Responses", "0 · no prompts sent")]
    slack = digest_message(DigestMessage(digest))
    assert [b["type"] for b in slack.blocks] == ["section", "section", "section"]
    teams = digest_card(DigestMessage(digest))
    assert fact_sets(teams) == [[("Responses", "0 · no prompts sent")]]
