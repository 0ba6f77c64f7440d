"""GLPI's REST API (`apirest.php`, GLPI 10 and 11): solved tickets and their people.

A session is opened with `GET /initSession` (`Authorization: user_token <token>`, and the
API client's `App-Token` when GLPI asks for one); every later request sends the
`Session-Token`, and an expired session is opened again once. Tickets come from
`GET /search/Ticket`: status "old" (solved or closed) and solve date (`solvedate`, search
option 17) from the checkpoint less `MARGIN`, 50 a page by `range`. A ticket's requester,
technician and group come from `Ticket/{id}/Ticket_User` and `Ticket/{id}/Group_Ticket`;
a person's e-mail from `User/{id}/UserEmail` (the default one first), a group's name
from `Group/{id}`, each cached.

GLPI answers dates in its own timezone without saying which: the checkpoint is the last
solve date GLPI gave, so the next query compares like with like; a first poll starts 14
hours early (the widest timezone offset) and its extra closes are duplicates at intake.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from adapters.helpdesk.api.cache import TtlCache
from adapters.helpdesk.api.http import LOOKUP_PATIENCE_SECONDS, ApiClient, Sleep
from adapters.helpdesk.glpi import GlpiWebhook
from adapters.helpdesk.source import PayloadError
from adapters.helpdesk.vendor import CloseFields, Reader
from bot.domain.events import ConversationClosed
from bot.ports.helpdesk_api import ApiRefused, SolvedPage

PAGE_SIZE = 50
MARGIN = timedelta(hours=1)
WIDEST_OFFSET = timedelta(hours=14)
# Search options of a Ticket: 2 id, 1 title, 12 status, 17 solve date.
ID, TITLE, STATUS, SOLVED = "2", "1", "12", "17"
REQUESTER, ASSIGNED = 1, 2  # the `type` of a Ticket_User / Group_Ticket link
CLOSE = CloseFields(
    agents=(("technician_email", "technician_name"),), team="group", subject="subject",
    closed_at="solved_at",
)


@dataclass(frozen=True, slots=True)
class GlpiApiConfig:
    url: str  # https://glpi.acme.example/apirest.php
    user_token: str
    app_token: str | None = None


class GlpiApi:
    """`HelpdeskApi` for the `glpi` source."""

    source = "glpi"

    def __init__(
        self, config: GlpiApiConfig, *, sleep: Sleep = asyncio.sleep, page_size: int = PAGE_SIZE
    ) -> None:
        self._client = ApiClient(
            self.source, config.url, f"user_token {config.user_token}",
            credentials_hint="check RATEBOT_GLPI_USER_TOKEN (and RATEBOT_GLPI_APP_TOKEN)",
            sleep=sleep,
        )
        self._app = {"App-Token": config.app_token} if config.app_token else {}
        self._session: str | None = None
        self._page_size = page_size
        self._emails: TtlCache[tuple[str | None, str | None]] = TtlCache()
        self._groups: TtlCache[str | None] = TtlCache()
        self._parser = GlpiWebhook(None)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _get(self, path: str, params: Mapping[str, str] | None = None,
                   *, patience: float = LOOKUP_PATIENCE_SECONDS) -> Any:
        for attempt in (1, 2):
            if self._session is None:
                opened = await self._client.get_json("/initSession", headers=self._app) or {}
                self._session = str(opened.get("session_token") or "")
            try:
                return await self._client.get_json(
                    path, params, patience=patience,
                    headers={**self._app, "Session-Token": self._session},
                )
            except ApiRefused:
                self._session = None  # expired: open another, once
                if attempt == 2:
                    raise
        return None

    async def person_email(self, person_id: str) -> str | None:
        return (await self._person(person_id))[0]

    async def _person(self, person_id: str) -> tuple[str | None, str | None]:
        return await self._emails.fetch(person_id, lambda: self._load_person(person_id))

    async def _load_person(self, person_id: str) -> tuple[str | None, str | None]:
        emails = await self._get(f"/User/{int(person_id)}/UserEmail") or []
        ranked = sorted((e for e in emails if isinstance(e, Mapping)),
                        key=lambda e: not e.get("is_default"))
        email = next((str(e["email"]) for e in ranked if e.get("email")), None)
        user = await self._get(f"/User/{int(person_id)}") or {}
        shown = " ".join(str(user[k]) for k in ("firstname", "realname") if user.get(k))
        person = (email, shown or (str(user["name"]) if user.get("name") else None))
        return person

    async def group_name(self, group_id: str) -> str | None:
        return await self._groups.fetch(group_id, lambda: self._load_group_name(group_id))

    async def _load_group_name(self, group_id: str) -> str | None:
        group = await self._get(f"/Group/{int(group_id)}") or {}
        name = str(group["name"]) if isinstance(group, Mapping) and group.get("name") else None
        return name

    def checkpoint_at(self, since: datetime) -> str:
        start = since.replace(tzinfo=None) - WIDEST_OFFSET
        return json.dumps({"after": start.isoformat(sep=" ")})

    async def solved_since(self, checkpoint: str) -> SolvedPage:
        position = json.loads(checkpoint)
        after = datetime.fromisoformat(position["after"])
        latest = datetime.fromisoformat(position.get("latest") or position["after"])
        start = int(position.get("start", 0))
        body = await self._get("/search/Ticket", {
            "criteria[0][field]": STATUS, "criteria[0][searchtype]": "equals",
            "criteria[0][value]": "old",
            "criteria[1][link]": "AND", "criteria[1][field]": SOLVED,
            "criteria[1][searchtype]": "morethan",
            "criteria[1][value]": f"{after - MARGIN:%Y-%m-%d %H:%M:%S}",
            **{f"forcedisplay[{n}]": field for n, field in enumerate((ID, TITLE, STATUS, SOLVED))},
            "sort": SOLVED, "order": "ASC", "range": f"{start}-{start + self._page_size - 1}",
        }, patience=120.0) or {}
        rows = [row for row in body.get("data") or [] if isinstance(row, Mapping)]
        closes: list[ConversationClosed] = []
        for row in rows:
            close = await self._close_of(row)
            if close is not None:
                closes.append(close)
                latest = max(latest, close.closed_at.replace(tzinfo=None))
        unreadable = len(rows) - len(closes)
        if rows and start + len(rows) < int(body.get("totalcount") or 0):
            following = {"after": position["after"], "latest": latest.isoformat(sep=" "),
                         "start": start + len(rows)}
            return SolvedPage(tuple(closes), json.dumps(following), True, unreadable)
        return SolvedPage(tuple(closes), json.dumps({"after": latest.isoformat(sep=" ")}),
                          False, unreadable)

    async def _close_of(self, row: Mapping[str, Any]) -> ConversationClosed | None:
        """The ticket as the recipe's custom payload names it, read as the webhook reads it."""
        ticket = str(row.get(ID) or "")
        if not ticket:
            return None
        users = await self._get(f"/Ticket/{int(ticket)}/Ticket_User") or []
        groups = await self._get(f"/Ticket/{int(ticket)}/Group_Ticket") or []
        requester = _linked(users, "users_id", REQUESTER)
        technician = _linked(users, "users_id", ASSIGNED)
        group = _linked(groups, "groups_id", ASSIGNED)
        requester_email, requester_name = await self._person(requester) if requester else (
            None, None)
        agent_email, agent_name = await self._person(technician) if technician else (None, None)
        payload = {
            "requester_email": requester_email, "requester_name": requester_name,
            "technician_email": agent_email, "technician_name": agent_name,
            "group": await self.group_name(group) if group else None,
            "subject": row.get(TITLE), "solved_at": row.get(SOLVED),
        }
        fields = Reader(payload, "GLPI")
        try:
            at = fields.moment("solved_at")
            return None if at is None else self._parser.closed_from(CLOSE, fields, ticket, at)
        except PayloadError:
            return None


def _linked(links: Any, key: str, kind: int) -> str | None:
    """The first linked id of `kind` (requester, assigned) in a ticket's links."""
    for link in links if isinstance(links, list) else []:
        if isinstance(link, Mapping) and link.get("type") == kind and link.get(key):
            return str(link[key])
    return None
