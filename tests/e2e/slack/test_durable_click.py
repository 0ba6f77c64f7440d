"""A click and a comment are stored before Slack hears the 200: Slack resends neither.

Through the real bolt app over HTTP. A store that fails makes the answer a 503, so the
person sees that the click did not count; a 200 means the row is already committed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from adapters.slack.app import NOT_STORED_STATUS
from app.bootstrap import Ratebot
from storage.base import InlineConnection
from tests.e2e.slack.harness import SlackDriver, sign
from tests.e2e.slack.test_prompt_and_click import deliver, stored_ratings
from tests.fakes.slack_api import FakeSlackApi


class StoreBroke(RuntimeError):
    """What the broken database raises: not an outage, a failure of this statement."""


@contextmanager
def failing(statement_start: str) -> Iterator[list[str]]:
    """Every engine fails the statements starting with `statement_start` (its transaction
    rolls back); yields the statements refused."""
    refused: list[str] = []

    def before(_c: Connection | None, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(statement_start):
            refused.append(statement)
            raise StoreBroke("the disk is full")

    driver = InlineConnection.driver

    def checked_driver(self: InlineConnection) -> _CheckedDriver:
        # SQLite's hottest statements run on the driver itself, past the engine's events.
        return _CheckedDriver(driver(self), lambda statement: before(None, None, statement))

    sa.event.listen(Engine, "before_cursor_execute", before)
    InlineConnection.driver = checked_driver  # type: ignore[method-assign]
    try:
        yield refused
    finally:
        InlineConnection.driver = driver  # type: ignore[method-assign]
        sa.event.remove(Engine, "before_cursor_execute", before)


class _CheckedDriver:
    """A driver connection whose statements are shown to `check` first."""

    def __init__(self, connection: Any, check: Callable[[str], None]) -> None:
        self._connection, self._check = connection, check

    def execute(self, statement: str, parameters: Any = ()) -> Any:
        self._check(statement)
        return self._connection.execute(statement, parameters)


async def test_the_200_comes_with_the_rating_already_committed(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    prompt_id = await deliver(ratebot)
    channel, message = slack.dm_of("UJAN")
    payload = slack.block_actions("UJAN", channel, message, "rate:9")
    # Not the driver's `interaction`: it waits for the work after the answer; this reads
    # the database the moment the answer arrives, through a connection of its own.
    response = await slack.client.post("/slack/events", **signed_form(payload))
    assert response.status == 200
    [rating] = await stored_ratings(ratebot)
    assert (rating["prompt_id"], rating["score"]) == (prompt_id, 9)
    await slack.binding.interactions.idle()
    [update] = await slack_api.wait_for("chat.update")
    assert update.args["ts"] == message["ts"]


async def test_a_click_the_store_could_not_keep_is_not_acknowledged(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    channel, message = slack.dm_of("UJAN")
    payload = slack.block_actions("UJAN", channel, message, "rate:3")
    with failing("INSERT INTO RATINGS") as refused:
        response = await slack.interaction(payload)
    assert refused, "the click never reached the store"
    assert response.status == NOT_STORED_STATUS  # Slack shows the person it failed
    assert int(response.headers["Retry-After"]) > 0
    assert await stored_ratings(ratebot) == []
    assert slack.updates() == []  # the prompt does not claim a score it did not keep
    [told] = slack_api.called("chat.postEphemeral")
    assert told.args["user"] == "UJAN"
    # The same click again, once the store works, counts.
    again = await slack.interaction(slack.block_actions("UJAN", channel, message, "rate:3"))
    assert again.status == 200
    [rating] = await stored_ratings(ratebot)
    assert rating["score"] == 3


async def test_a_comment_the_store_could_not_keep_is_not_acknowledged(
    ratebot: Ratebot, slack: SlackDriver, slack_api: FakeSlackApi
) -> None:
    await deliver(ratebot)
    await slack.clicks("UJAN", 9)
    channel, message = slack.dm_of("UJAN")
    await slack.interaction(slack.block_actions("UJAN", channel, message, "comment"))
    await slack_api.wait_for("views.open")
    view = slack.last_view()
    typed = {"comment_block": {"comment_input": {"type": "plain_text_input",
                                                  "value": "Fast, thanks"}}}
    submission = {
        "type": "view_submission", "team": {"id": "T111", "domain": "example"},
        "user": {"id": "UJAN", "username": "ujan", "name": "ujan", "team_id": "T111"},
        "api_app_id": "A111", "token": "legacy", "trigger_id": "7.111.x",
        "view": {**view, "id": "V7", "hash": "7.hash", "state": {"values": typed},
                 "team_id": "T111", "app_id": "A111", "bot_id": "B111"},
        "response_urls": [], "is_enterprise_install": False, "enterprise": None,
    }
    with failing("UPDATE RATINGS") as refused:
        response = await slack.interaction(submission)
    assert refused
    assert response.status == NOT_STORED_STATUS  # the modal stays open, the text with it
    [rating] = await stored_ratings(ratebot)
    assert rating["comment"] is None
    # Submit again, the same view (id and hash): not taken for a replay, it is stored now.
    again = await slack.interaction(submission)
    assert again.status == 200
    [rating] = await stored_ratings(ratebot)
    assert rating["comment"] == "Fast, thanks"


def signed_form(payload: dict[str, Any]) -> dict[str, Any]:
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return {"data": body, "headers": {"Content-Type": "application/x-www-form-urlencoded",
                                      **sign(body)}}
