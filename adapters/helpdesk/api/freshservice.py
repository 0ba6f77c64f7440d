"""Freshservice's API v2: tickets updated since a moment, and agents and groups by id.

Authentication is an agent's API key as the basic-auth user (password `X`). Tickets come
from `GET /api/v2/tickets?updated_since=...&include=requester`, page by page; the
resolved (4) and closed (5) ones are closes. The agent (`responder_id`) and the group
are looked up once each (`/api/v2/agents/{id}`, `/api/v2/groups/{id}`) and cached. A
ticket's id is stored as the webhook stores it: with its type's prefix (`INC-77`,
`SR-78`), so a close that came both ways is one close.
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
from adapters.helpdesk.freshservice import CLOSE, FreshserviceWebhook
from adapters.helpdesk.source import PayloadError
from adapters.helpdesk.vendor import Reader
from bot.domain.events import ConversationClosed
from bot.ports.helpdesk_api import SolvedPage

PAGE_SIZE = 100
SOLVED = frozenset({4, 5})  # Resolved, Closed
PREFIXES = {"incident": "INC", "service request": "SR"}


@dataclass(frozen=True, slots=True)
class FreshserviceApiConfig:
    url: str  # https://<domain>.freshservice.com
    api_key: str

    def authorization(self) -> str:
        return "Basic " + base64.b64encode(f"{self.api_key}:X".encode()).decode("ascii")


def ticket_ref(ticket: Mapping[str, Any]) -> str:
    """`INC-77` / `SR-78`: the id as the webhook's `{{ticket.id}}` renders it, without `#`."""
    kind = str(ticket.get("type") or "").strip().casefold()
    prefix = PREFIXES.get(kind, "INC")
    return f"{prefix}-{ticket.get('id')}"


class FreshserviceApi:
    """`HelpdeskApi` for the `freshservice` source."""

    source = "freshservice"

    def __init__(
        self, config: FreshserviceApiConfig, *, sleep: Sleep = asyncio.sleep,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._page_size = page_size
        self._client = ApiClient(
            self.source, config.url, config.authorization(),
            credentials_hint="check RATEBOT_FRESHSERVICE_API_KEY", sleep=sleep,
        )
        self._agents: TtlCache[tuple[str | None, str | None]] = TtlCache()
        self._groups: TtlCache[str | None] = TtlCache()
        self._parser = FreshserviceWebhook(None)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def person_email(self, person_id: str) -> str | None:
        return (await self._agent(person_id))[0]

    async def _agent(self, agent_id: str) -> tuple[str | None, str | None]:
        return await self._agents.fetch(agent_id, lambda: self._load_agent(agent_id))

    async def _load_agent(self, agent_id: str) -> tuple[str | None, str | None]:
        body = await self._client.get_json(
            f"/api/v2/agents/{int(agent_id)}", patience=LOOKUP_PATIENCE_SECONDS
        )
        record = body.get("agent") if isinstance(body, Mapping) else None
        record = record if isinstance(record, Mapping) else {}
        name = " ".join(
            str(part) for part in (record.get("first_name"), record.get("last_name")) if part
        )
        agent = (_text(record.get("email")), name or None)
        return agent

    async def group_name(self, group_id: str) -> str | None:
        return await self._groups.fetch(group_id, lambda: self._load_group_name(group_id))

    async def _load_group_name(self, group_id: str) -> str | None:
        body = await self._client.get_json(
            f"/api/v2/groups/{int(group_id)}", patience=LOOKUP_PATIENCE_SECONDS
        )
        group = body.get("group") if isinstance(body, Mapping) else None
        name = _text(group.get("name")) if isinstance(group, Mapping) else None
        return name

    def checkpoint_at(self, since: datetime) -> str:
        return json.dumps({"since": since.astimezone(UTC).isoformat()})

    async def solved_since(self, checkpoint: str) -> SolvedPage:
        position = json.loads(checkpoint)
        since = datetime.fromisoformat(position["since"])
        latest = datetime.fromisoformat(position.get("latest") or position["since"])
        page = int(position.get("page", 1))
        body = await self._client.get_json("/api/v2/tickets", {
            "updated_since": since.strftime("%Y-%m-%dT%H:%M:%SZ"), "include": "requester",
            "per_page": str(self._page_size), "page": str(page),
        })
        tickets = body.get("tickets") if isinstance(body, Mapping) else None
        tickets = tickets if isinstance(tickets, list) else []
        closes: list[ConversationClosed] = []
        unreadable = 0
        for ticket in tickets:
            if not isinstance(ticket, Mapping) or ticket.get("status") not in SOLVED:
                continue
            close = await self._close_of(ticket)
            if close is None:
                unreadable += 1
                continue
            closes.append(close)
            latest = max(latest, close.closed_at)
        if len(tickets) == self._page_size:
            following = {"since": position["since"], "latest": latest.isoformat(),
                         "page": page + 1}
            return SolvedPage(tuple(closes), json.dumps(following), True, unreadable)
        return SolvedPage(tuple(closes), json.dumps({"since": latest.isoformat()}), False,
                          unreadable)

    async def _close_of(self, ticket: Mapping[str, Any]) -> ConversationClosed | None:
        """The ticket in the workflow body's terms, read as the webhook reads it."""
        requester = ticket.get("requester")
        requester = requester if isinstance(requester, Mapping) else {}
        agent, agent_name = (None, None)
        if ticket.get("responder_id") is not None:
            agent, agent_name = await self._agent(str(ticket["responder_id"]))
        group = None
        if ticket.get("group_id") is not None:
            group = await self.group_name(str(ticket["group_id"]))
        payload = {
            "requester_email": requester.get("email") or requester.get("primary_email"),
            "requester_name": requester.get("name"), "agent_email": agent,
            "agent_name": agent_name, "group": group, "subject": ticket.get("subject"),
        }
        try:
            at = datetime.fromisoformat(str(ticket.get("updated_at"))).astimezone(UTC)
            return self._parser.closed_from(CLOSE, Reader(payload, "Freshservice"),
                                            ticket_ref(ticket), at)
        except (PayloadError, ValueError):
            return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
