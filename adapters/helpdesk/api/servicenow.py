"""ServiceNow's Table API: incidents resolved since a moment, and users and groups by sys_id.

Basic auth with an integration user (role `itil`, or read access to `incident`,
`sys_user` and `sys_user_group`). Incidents come from `GET /api/now/table/incident` with
an encoded query on `resolved_at`, the caller, assignee and group dot-walked into the
same rows, paged by `sysparm_offset`. ServiceNow reads a time in a query in the API
user's timezone, so each poll searches `LOOKBACK` further back than its checkpoint, then
keeps only incidents resolved after the checkpoint less `MARGIN` (`resolved_at` itself
comes back in UTC); what it reads twice near the edge is a duplicate at intake.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.helpdesk.api.cache import TtlCache
from adapters.helpdesk.api.http import LOOKUP_PATIENCE_SECONDS, ApiClient, Sleep
from adapters.helpdesk.servicenow import CLOSE, ServiceNowWebhook
from adapters.helpdesk.source import PayloadError
from adapters.helpdesk.vendor import Reader
from bot.domain.events import ConversationClosed
from bot.ports.helpdesk_api import SolvedPage

LOOKBACK = timedelta(days=1)
# Incidents resolved this long before the checkpoint are read again (late commits).
MARGIN = timedelta(hours=1)
PAGE_SIZE = 100
INCIDENTS = "/api/now/table/incident"
# The webhook body's names (docs/integrations/servicenow.md), by the row's dot-walked field.
FIELDS = {
    "number": "number",
    "state": "state",
    "short_description": "short_description",
    "resolved_at": "resolved_at",
    "caller_id.email": "caller_email",
    "caller_id.name": "caller_name",
    "assigned_to.email": "assigned_to_email",
    "assigned_to.name": "assigned_to_name",
    "assignment_group.name": "assignment_group",
}


@dataclass(frozen=True, slots=True)
class ServiceNowApiConfig:
    url: str  # https://<instance>.service-now.com
    user: str
    password: str

    def authorization(self) -> str:
        pair = f"{self.user}:{self.password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


class ServiceNowApi:
    """`HelpdeskApi` for the `servicenow` source."""

    source = "servicenow"

    def __init__(
        self, config: ServiceNowApiConfig, *, sleep: Sleep = asyncio.sleep,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._page_size = page_size
        self._client = ApiClient(
            self.source, config.url, config.authorization(),
            credentials_hint="check RATEBOT_SERVICENOW_USER and RATEBOT_SERVICENOW_PASSWORD",
            sleep=sleep,
        )
        self._names: TtlCache[str | None] = TtlCache()
        self._parser = ServiceNowWebhook(None)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def person_email(self, person_id: str) -> str | None:
        return await self._field(f"/api/now/table/sys_user/{person_id}", "email")

    async def group_name(self, group_id: str) -> str | None:
        return await self._field(f"/api/now/table/sys_user_group/{group_id}", "name")

    async def _field(self, path: str, name: str) -> str | None:
        return await self._names.fetch(path, lambda: self._load_field(path, name))

    async def _load_field(self, path: str, name: str) -> str | None:
        body = await self._client.get_json(
            path, {"sysparm_fields": name}, patience=LOOKUP_PATIENCE_SECONDS
        )
        record = body.get("result") if isinstance(body, Mapping) else None
        raw = record.get(name) if isinstance(record, Mapping) else None
        value = raw if isinstance(raw, str) and raw else None
        return value

    def checkpoint_at(self, since: datetime) -> str:
        return json.dumps({"after": since.astimezone(UTC).isoformat()})

    async def solved_since(self, checkpoint: str) -> SolvedPage:
        position = json.loads(checkpoint)
        after = datetime.fromisoformat(position["after"])
        latest = datetime.fromisoformat(position.get("latest") or position["after"])
        offset = int(position.get("offset", 0))
        query = (
            f"stateIN6,7^resolved_at>={after - LOOKBACK:%Y-%m-%d %H:%M:%S}"
            "^ORDERBYresolved_at^ORDERBYnumber"
        )
        body = await self._client.get_json(INCIDENTS, {
            "sysparm_query": query, "sysparm_fields": ",".join(FIELDS),
            "sysparm_display_value": "false", "sysparm_exclude_reference_link": "true",
            "sysparm_limit": str(self._page_size), "sysparm_offset": str(offset),
        })
        rows = body.get("result") if isinstance(body, Mapping) else None
        rows = rows if isinstance(rows, list) else []
        fresh = [row for row in rows if not _resolved_before(row, after - MARGIN)]
        closes = [close for close in map(self._close_of, fresh) if close is not None]
        for close in closes:
            latest = max(latest, close.closed_at)
        unreadable = len(fresh) - len(closes)
        if len(rows) == self._page_size:
            following = {"after": position["after"], "latest": latest.isoformat(),
                         "offset": offset + len(rows)}
            return SolvedPage(tuple(closes), json.dumps(following), True, unreadable)
        return SolvedPage(tuple(closes), json.dumps({"after": latest.isoformat()}), False,
                          unreadable)

    def _close_of(self, row: Any) -> ConversationClosed | None:
        """The row in the business rule's terms, read as the webhook reads it."""
        if not isinstance(row, Mapping):
            return None
        payload = {name: row.get(field) for field, name in FIELDS.items()}
        number = payload.get("number")
        fields = Reader(payload, "ServiceNow")
        try:
            at = fields.moment("resolved_at")
            if not isinstance(number, str) or at is None:
                return None
            return self._parser.closed_from(CLOSE, fields, number, at)
        except PayloadError:
            return None


def _resolved_before(row: Any, cutoff: datetime) -> bool:
    resolved = row.get("resolved_at") if isinstance(row, Mapping) else None
    try:
        moment = datetime.fromisoformat(str(resolved).replace(" ", "T", 1))
    except ValueError:
        return False  # read as usual, and counted as unreadable there
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) < cutoff
