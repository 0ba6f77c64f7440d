"""Zendesk's REST API: people and groups by id, and the incremental ticket export.

Authentication is an agent's e-mail with an API token (`<email>/token:<token>`, basic).
Solved tickets come from the cursor-based incremental export
(`/api/v2/incremental/tickets/cursor.json`): the first call starts at `start_time`
(epoch seconds), every later one at the stored `after_cursor`, until `end_of_stream`.
The export allows 10 requests a minute; a 429's `Retry-After` is waited out.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.helpdesk.api.cache import TtlCache
from adapters.helpdesk.api.http import LOOKUP_PATIENCE_SECONDS, ApiClient, Sleep
from adapters.helpdesk.source import PayloadError
from adapters.helpdesk.vendor import Reader
from adapters.helpdesk.zendesk import CLOSE, ZendeskWebhook
from bot.domain.events import ConversationClosed
from bot.ports.helpdesk_api import SolvedPage

# The API speaks English whatever the account's language.
SOLVED = frozenset({"solved", "closed"})
EXPORT = "/api/v2/incremental/tickets/cursor.json"


@dataclass(frozen=True, slots=True)
class ZendeskApiConfig:
    url: str  # https://<subdomain>.zendesk.com
    email: str
    api_token: str

    def authorization(self) -> str:
        pair = f"{self.email}/token:{self.api_token}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


class ZendeskApi:
    """`HelpdeskApi` for the `zendesk` source."""

    source = "zendesk"

    def __init__(self, config: ZendeskApiConfig, *, sleep: Sleep = asyncio.sleep) -> None:
        self._client = ApiClient(
            self.source, config.url, config.authorization(),
            credentials_hint="check RATEBOT_ZENDESK_EMAIL and RATEBOT_ZENDESK_API_TOKEN",
            sleep=sleep,
        )
        self._people: TtlCache[tuple[str | None, str | None]] = TtlCache()
        self._groups: TtlCache[str | None] = TtlCache()
        self._parser = ZendeskWebhook(None)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def person_email(self, person_id: str) -> str | None:
        return (await self._person(person_id))[0]

    async def _person(self, person_id: str) -> tuple[str | None, str | None]:
        return await self._people.fetch(person_id, lambda: self._load_person(person_id))

    async def _load_person(self, person_id: str) -> tuple[str | None, str | None]:
        body = await self._client.get_json(
            f"/api/v2/users/{int(person_id)}.json", patience=LOOKUP_PATIENCE_SECONDS
        )
        user = body.get("user") if isinstance(body, Mapping) else None
        user = user if isinstance(user, Mapping) else {}
        person = (_text(user.get("email")), _text(user.get("name")))
        return person

    async def group_name(self, group_id: str) -> str | None:
        return await self._groups.fetch(group_id, lambda: self._load_group_name(group_id))

    async def _load_group_name(self, group_id: str) -> str | None:
        body = await self._client.get_json(
            f"/api/v2/groups/{int(group_id)}.json", patience=LOOKUP_PATIENCE_SECONDS
        )
        group = body.get("group") if isinstance(body, Mapping) else None
        name = _text(group.get("name")) if isinstance(group, Mapping) else None
        return name

    def checkpoint_at(self, since: datetime) -> str:
        return json.dumps({"start_time": int(since.timestamp())})

    async def solved_since(self, checkpoint: str) -> SolvedPage:
        position = json.loads(checkpoint)
        if position.get("cursor"):
            params = {"cursor": str(position["cursor"])}
        else:
            params = {"start_time": str(int(position["start_time"]))}
        page = await self._client.get_json(EXPORT, params) or {}
        closes: list[ConversationClosed] = []
        unreadable = 0
        for ticket in page.get("tickets") or []:
            if not isinstance(ticket, Mapping) or ticket.get("status") not in SOLVED:
                continue
            close = await self._close_of(ticket)
            if close is None:
                unreadable += 1
            else:
                closes.append(close)
        cursor = page.get("after_cursor") or position.get("cursor")
        following = json.dumps({"cursor": cursor}) if cursor else checkpoint
        return SolvedPage(tuple(closes), following, not page.get("end_of_stream", True),
                          unreadable)

    async def _close_of(self, ticket: Mapping[str, Any]) -> ConversationClosed | None:
        """The ticket in the trigger payload's terms, read as the webhook reads it."""
        if ticket.get("requester_id") is None:
            return None
        requester, requester_name = await self._person(str(ticket["requester_id"]))
        agent, agent_name = (None, None)
        if ticket.get("assignee_id") is not None:
            agent, agent_name = await self._person(str(ticket["assignee_id"]))
        group = None
        if ticket.get("group_id") is not None:
            group = await self.group_name(str(ticket["group_id"]))
        payload = {
            "ticket_id": str(ticket.get("id")), "subject": ticket.get("subject"),
            "requester_email": requester, "requester_name": requester_name,
            "assignee_email": agent, "assignee_name": agent_name, "group": group,
        }
        try:
            at = datetime.fromisoformat(str(ticket.get("updated_at"))).astimezone(UTC)
            return self._parser.closed_from(
                CLOSE, Reader(payload, "Zendesk"), str(ticket.get("id")), at
            )
        except (PayloadError, ValueError):
            return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
