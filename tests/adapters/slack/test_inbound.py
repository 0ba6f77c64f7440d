"""Slack payloads to the core's terms, on payloads in Slack's documented shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.slack import inbound
from adapters.slack.rate_value import RateValue

FIXTURES = Path("/work/shared/fixtures")


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


def test_a_score_button_becomes_a_click() -> None:
    body = fixture("slack_block_actions_dm_button.json")
    body["actions"][0]["value"] = "12:5:receipt"
    click = inbound.click(body)
    assert click.value == RateValue(12, 5, "receipt")
    assert click.where == inbound.Where("U01AZ88AQQ4", "D01ACC2E8S3", "1600857119.015400")


def test_a_button_this_app_did_not_make_is_refused() -> None:
    with pytest.raises(inbound.BadPayload):
        inbound.click(fixture("slack_block_actions_dm_button.json"))  # "ticket-42:5"


def test_a_comment_submission_carries_prompt_receipt_and_text() -> None:
    body = fixture("slack_view_submission_comment.json")
    body["view"]["private_metadata"] = json.dumps({"p": 3, "r": "R", "c": "D1", "t": "1.2"})
    submission = inbound.comment_submission(body)
    assert (submission.prompt_id, submission.receipt) == (3, "R")
    assert submission.text == "Quick fix <!here> & thanks"  # escaped only when shown
    assert submission.where == inbound.Where("U111", "D1", "1.2")


def test_foreign_modal_metadata_is_refused() -> None:
    with pytest.raises(inbound.BadPayload):
        inbound.comment_submission(fixture("slack_view_submission_comment.json"))


def test_events_are_recognised_by_event_id_whatever_the_retry_header() -> None:
    assert inbound.delivery_key(fixture("slack_app_home_opened.json")) == "slack:event:Ev111"


def test_socket_mode_payloads_have_the_same_keys() -> None:
    envelopes: list[dict[str, Any]] = json.loads(
        (FIXTURES / "slack_socket_mode_envelopes.json").read_text())
    event = next(e for e in envelopes if e.get("type") == "events_api")
    assert inbound.delivery_key(event["payload"]) == "slack:event:Ev111"
    click = next(e for e in envelopes if e.get("type") == "interactive")
    assert inbound.delivery_key(click["payload"]) is None  # clicks are idempotent in the core


def test_a_modal_submission_is_recognised_by_view_and_hash() -> None:
    body = fixture("slack_view_submission_comment.json")
    assert inbound.delivery_key(body) == "slack:view:V111:1596530361.3wRYuk3R"


@pytest.mark.parametrize(
    ("message", "first"),
    [
        ({"ts": "1.0", "user": "U1", "text": "help"}, True),
        ({"ts": "1.0", "thread_ts": "1.0", "user": "U1"}, True),  # started a thread
        ({"ts": "2.0", "thread_ts": "1.0", "user": "U1"}, False),  # a reply
        ({"ts": "1.0", "bot_id": "B1"}, False),
        ({"ts": "1.0", "user": "U1", "subtype": "channel_join"}, False),
    ],
)
def test_only_a_requests_first_message_can_be_closed(message: dict[str, Any], first: bool) -> None:
    assert inbound.is_first_message(message) is first


def test_closing_in_a_channel_names_the_request_and_its_requester() -> None:
    request = inbound.closed_request(
        "CHELP", {"ts": "17.5", "user": "UJAN", "text": "word " * 100}
    )
    assert (request.ticket_id, request.requester_user_id) == ("CHELP-17.5", "UJAN")
    assert request.subject is not None and len(request.subject) == 200
    assert request.subject.endswith("…")


def test_only_a_check_mark_on_a_message_is_a_closing_reaction() -> None:
    event = {"type": "reaction_added", "user": "UPIET", "reaction": "white_check_mark",
             "item": {"type": "message", "channel": "CHELP", "ts": "17.5"}}
    assert inbound.closing_reaction(event) == inbound.Where("UPIET", "CHELP", "17.5")
    assert inbound.closing_reaction({**event, "reaction": "tada"}) is None
    assert inbound.closing_reaction({**event, "item": {"type": "file"}}) is None
