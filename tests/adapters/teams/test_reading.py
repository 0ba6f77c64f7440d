"""An activity read by `reading` is the activity msrest reads, field for field."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from botbuilder.schema import Activity
from msrest.exceptions import DeserializationError
from msrest.serialization import Model

from adapters.teams.reading import read_activity_json

FIXTURES = Path("/work/shared/fixtures")
CLICK = {
    "type": "invoke", "name": "adaptiveCard/action", "id": "f:7421",
    "timestamp": "2026-12-06T10:00:00.123Z", "localTimestamp": "2026-12-06T11:00:00.123+01:00",
    "localTimezone": "Europe/Amsterdam", "channelId": "msteams",
    "serviceUrl": "https://smba.trafficmanager.net/emea/", "locale": "nl-NL",
    "from": {"id": "29:1a", "aadObjectId": "aad-1", "name": "Jan", "email": "jan@example.com"},
    "recipient": {"id": "28:bot", "name": "ratebot"}, "replyToId": "1700000000000",
    "conversation": {"conversationType": "personal", "tenantId": "tenant-1", "id": "a:1",
                     "isGroup": False},
    "channelData": {"tenant": {"id": "tenant-1"}, "source": {"name": "message"}},
    "entities": [{"type": "clientInfo", "locale": "nl-NL", "timezone": "Europe/Amsterdam"}],
    "value": {"action": {"type": "Action.Execute", "verb": "rate",
                         "data": {"prompt": 12, "score": 9}}, "trigger": "manual"},
}


def plain(value: Any) -> Any:
    """A model as nested data: class, every attribute, additional properties included."""
    if isinstance(value, Model):
        return (type(value).__name__, {name: plain(item) for name, item in vars(value).items()})
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, datetime):
        return (value.isoformat(), value.utcoffset())
    return value


def teams_fixtures() -> list[dict[str, Any]]:
    bodies = []
    for path in sorted(FIXTURES.glob("teams_*.json")):
        body = json.loads(path.read_text())
        if isinstance(body, dict) and isinstance(body.get("type"), str):
            bodies.append(body)
    return bodies


def variants() -> list[dict[str, Any]]:
    odd: list[dict[str, Any]] = []
    for change in (
        {"from": {"id": "29:1a", "role": "user", "properties": {"x": [1, {"y": None}]}}},
        {"membersAdded": [{"id": "28:bot"}, {"id": "29:1a", "name": "Jan"}]},
        {"timestamp": None, "value": [1, "two", None, 3.5], "channelData": None},
        {"entities": [], "text": "", "textFormat": "markdown", "unknownTopLevel": {"a": 1}},
        # Left to msrest, which converts or refuses these as it always did.
        {"replyToId": 1700000000000},
        {"conversation": {"id": "a:1", "isGroup": "false"}},
        {"attachments": [{"contentType": "text/plain", "content": "hi"}]},
        {"listenFor": ["ratings"]},
        {"timestamp": "yesterday-ish"},
    ):
        body = copy.deepcopy(CLICK)
        body.update(change)
        odd.append(body)
    return odd


@pytest.mark.parametrize("body", [CLICK, *teams_fixtures(), *variants()])
def test_an_activity_reads_as_msrest_reads_it(body: dict[str, Any]) -> None:
    try:
        expected = plain(Activity().deserialize(copy.deepcopy(body)))
    except DeserializationError as refused:
        with pytest.raises(DeserializationError) as raised:
            read_activity_json(copy.deepcopy(body))
        assert type(raised.value) is type(refused)
        return
    assert plain(read_activity_json(copy.deepcopy(body))) == expected


@pytest.mark.parametrize("bad", [{"from": "29:1a"}, {"entities": {"type": "clientInfo"}},
                                 {"conversation": ["a:1"]}])
def test_a_field_of_the_wrong_shape_is_refused_by_msrest(bad: dict[str, Any]) -> None:
    with pytest.raises(DeserializationError):
        read_activity_json({**CLICK, **bad})
