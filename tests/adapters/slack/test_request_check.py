"""Mutual rating's Block Kit: the question, one-tap answers carrying the receipt, escaping."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from adapters.slack.request_check import CheckValue, check_message
from bot.domain.model import Person
from bot.domain.request_checks import Clarity, RequestCheck

CHECK = RequestCheck(7, "Service <Desk>", Person(1, "piet@example.com"),
                     datetime(2026, 12, 1, tzinfo=UTC), "en", subject="Printer & *toner*")


def buttons(blocks: list[dict[str, object]]) -> dict[str, dict[str, str]]:
    return {element["action_id"]: element for block in blocks if block["type"] == "actions"
            for element in block["elements"]}  # type: ignore[attr-defined]


def test_the_question_with_two_rows_of_answers() -> None:
    message = check_message(CHECK)
    shown = json.dumps(message.blocks, ensure_ascii=False)
    assert "You closed “Printer &amp; " in shown  # the subject and team escaped
    assert "Service &lt;Desk&gt;" in shown
    found = buttons(message.blocks)
    assert list(found) == ["mutual.clarity.clear", "mutual.clarity.partly",
                           "mutual.clarity.unclear", "mutual.reach.yes", "mutual.reach.no"]
    assert CheckValue.decode(found["mutual.reach.no"]["value"]) == CheckValue(7, "reach", "no")
    assert not any("style" in button for button in found.values())


def test_after_a_tap_the_answer_is_marked_and_the_receipt_carried() -> None:
    answered = CheckValue(7, "clarity", "clear", "r-1")
    message = check_message(replace(CHECK, clarity=Clarity.CLEAR, receipt="r-1"))
    found = buttons(message.blocks)
    assert found["mutual.clarity.clear"]["style"] == "primary"
    assert CheckValue.decode(found["mutual.clarity.clear"]["value"]) == answered
    assert "Thanks, noted." in json.dumps(message.blocks)


def test_a_notice_replaces_the_buttons() -> None:
    message = check_message(replace(CHECK, notice="This question has expired."))
    assert buttons(message.blocks) == {}
    assert "This question has expired." in json.dumps(message.blocks)


@pytest.mark.parametrize("value", ["x", "7:clarity", "seven:clarity:clear:"])
def test_a_value_it_did_not_write_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        CheckValue.decode(value)
