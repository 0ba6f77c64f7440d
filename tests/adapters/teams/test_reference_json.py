"""A conversation reference written by `inbound.reference_json` is the JSON msrest writes."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ConversationReference
from msrest.exceptions import DeserializationError

from adapters.teams.inbound import conversation_record, reference_json
from adapters.teams.reading import read_activity_json
from tests.adapters.teams.test_reading import CLICK, teams_fixtures, variants


def readable(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept = []
    for body in bodies:
        try:
            Activity().deserialize(copy.deepcopy(body))
        except DeserializationError:
            continue
        kept.append(body)
    return kept


@pytest.mark.parametrize("body", readable([CLICK, *teams_fixtures(), *variants()]))
def test_a_reference_writes_as_msrest_writes_it(body: dict[str, Any]) -> None:
    # Read both ways: as ratebot reads an activity, and as msrest itself does.
    for activity in (read_activity_json(copy.deepcopy(body)),
                     Activity().deserialize(copy.deepcopy(body))):
        reference = TurnContext.get_conversation_reference(activity)
        assert reference_json(reference) == reference.serialize()


@pytest.mark.parametrize("reference", [
    ConversationReference(),
    ConversationReference(user=ChannelAccount(id="29:1a", properties={"x": [1]})),
    ConversationReference(conversation=ConversationAccount(id="a:1", is_group="no")),  # type: ignore[arg-type]
    ConversationReference(bot=ChannelAccount(id=28), channel_id="msteams"),  # type: ignore[arg-type]
    ConversationReference(conversation=ConversationAccount(id="a:1", is_group=True,
                                                           tenant_id="t", role="bot")),
])
def test_what_is_not_plain_is_written_by_msrest(reference: ConversationReference) -> None:
    assert reference_json(reference) == reference.serialize()


def test_the_record_of_a_click_holds_what_msrest_would_have_written() -> None:
    activity = read_activity_json(copy.deepcopy(CLICK))
    record = conversation_record(activity, 7)
    reference = TurnContext.get_conversation_reference(activity)
    reference.activity_id = None
    assert reference.user is not None
    reference.user.name = None
    expected = reference.serialize()
    expected["conversation"]["tenantId"] = "tenant-1"
    assert json.loads(record.reference) == expected
    assert "Jan" not in record.reference and "f:7421" not in record.reference


def test_a_plain_reference_is_written_without_msrest(monkeypatch: pytest.MonkeyPatch) -> None:
    reference = TurnContext.get_conversation_reference(read_activity_json(copy.deepcopy(CLICK)))
    expected = reference.serialize()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("msrest wrote a plain reference")

    monkeypatch.setattr(ConversationReference, "serialize", refuse)
    assert reference_json(reference) == expected
