"""What a failed Slack call means for the delivery worker."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.outbound import delivery_error
from bot.ports.chat import PermanentDeliveryError, RecipientUnreachable, TransientDeliveryError


def api_error(error: str, status: int = 200, headers: dict[str, str] | None = None,
              ) -> SlackApiError:
    response = AsyncSlackResponse(
        client=AsyncWebClient(token="xoxb-x"), http_verb="POST", api_url="https://x/api/m",
        req_args={}, data={"ok": False, "error": error}, headers=headers or {},
        status_code=status,
    )
    return SlackApiError(error, response)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ("users_not_found", RecipientUnreachable),
        ("invalid_auth", PermanentDeliveryError),
        ("account_inactive", PermanentDeliveryError),
        ("channel_not_found", PermanentDeliveryError),
        ("internal_error", TransientDeliveryError),
        ("fatal_error", TransientDeliveryError),
    ],
)
def test_slack_errors(error: str, kind: type[Exception]) -> None:
    mapped = delivery_error(api_error(error))
    assert type(mapped) is kind
    assert mapped.transient is (kind is TransientDeliveryError)


def test_a_rate_limit_carries_retry_after() -> None:
    mapped = delivery_error(api_error("ratelimited", 429, {"Retry-After": "30"}))
    assert isinstance(mapped, TransientDeliveryError)
    assert mapped.retry_after == 30.0


def test_a_dropped_connection_is_transient() -> None:
    mapped = delivery_error(aiohttp.ServerDisconnectedError())
    assert isinstance(mapped, TransientDeliveryError)
    assert mapped.reason == "slack: ServerDisconnectedError"
