"""Fake ServiceNow Table API and Freshservice API v2 on 127.0.0.1, as their references show.

ServiceNow: `GET /api/now/table/incident` understands the encoded query ratebot writes
(`stateIN6,7^resolved_at>=<UTC time>^ORDERBY...`), dot-walked `sysparm_fields`,
`sysparm_limit` / `sysparm_offset`, and sends `X-Total-Count`; `sys_user` and
`sys_user_group` by sys_id. 401/403 bodies as ServiceNow words them; 429 with
`Retry-After` and `X-RateLimit-Reset` (epoch seconds).
Freshservice: `GET /api/v2/tickets` with `updated_since`, `include=requester`, `page`,
`per_page` and a `Link` header to the next page; agents and groups by id.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.fakes.helpdesk_apis import FakeHelpdeskApi

_RESOLVED_SINCE = re.compile(r"resolved_at>=(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})")


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=UTC)


@dataclass
class FakeServiceNow(FakeHelpdeskApi):
    users: dict[str, dict[str, str]] = field(default_factory=dict)
    groups: dict[str, dict[str, str]] = field(default_factory=dict)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)

    def add_incident(self, number: str, state: str, resolved: datetime | None, *,
                     caller: str, assignee: str | None, group: str | None) -> None:
        self.incidents.append({
            "number": number, "state": state, "short_description": f"About {number}",
            "resolved_at": resolved.strftime("%Y-%m-%d %H:%M:%S") if resolved else "",
            "caller_id": caller, "assigned_to": assignee or "", "assignment_group": group or "",
        })

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/now/table/incident", self._incidents),
            web.get("/api/now/table/sys_user/{id}", self._user),
            web.get("/api/now/table/sys_user_group/{id}", self._group),
        ]

    def unauthorized(self) -> web.Response:
        return web.json_response({"error": {"message": "User Not Authenticated",
                                            "detail": "Required to provide Auth information"},
                                  "status": "failure"}, status=401)

    def forbidden(self) -> web.Response:
        return web.json_response({"error": {"message": "User Not Authorized",
                                            "detail": "ACL restricts the record retrieval"},
                                  "status": "failure"}, status=403)

    def too_many(self) -> web.Response:
        return web.json_response(
            {"error": {"message": "Rate limit exceeded"}, "status": "failure"}, status=429,
            headers={"Retry-After": str(self.retry_after), "X-RateLimit-Limit": "100",
                     "X-RateLimit-Reset": str(int(time.time()) + self.retry_after)},
        )

    def _row(self, incident: dict[str, Any], fields: list[str]) -> dict[str, str]:
        caller = self.users.get(incident["caller_id"], {})
        assignee = self.users.get(incident["assigned_to"], {})
        group = self.groups.get(incident["assignment_group"], {})
        walked = {
            **{key: value for key, value in incident.items()},
            "caller_id.email": caller.get("email", ""), "caller_id.name": caller.get("name", ""),
            "assigned_to.email": assignee.get("email", ""),
            "assigned_to.name": assignee.get("name", ""),
            "assignment_group.name": group.get("name", ""),
        }
        return {name: walked.get(name, "") for name in fields}

    async def _incidents(self, request: web.Request) -> web.Response:
        query = request.query["sysparm_query"]
        self.queries.append(query)
        match = _RESOLVED_SINCE.search(query)
        since = _utc(match.group(1)) if match else datetime.min.replace(tzinfo=UTC)
        found = sorted(
            (i for i in self.incidents if i["state"] in ("6", "7") and i["resolved_at"]
             and _utc(i["resolved_at"]) >= since),
            key=lambda i: (i["resolved_at"], i["number"]),
        )
        offset = int(request.query.get("sysparm_offset", "0"))
        limit = int(request.query.get("sysparm_limit", "10000"))
        fields = request.query["sysparm_fields"].split(",")
        rows = [self._row(i, fields) for i in found[offset:offset + limit]]
        return web.json_response({"result": rows}, headers={"X-Total-Count": str(len(found))})

    async def _user(self, request: web.Request) -> web.Response:
        return self._record(self.users.get(request.match_info["id"]), request)

    async def _group(self, request: web.Request) -> web.Response:
        return self._record(self.groups.get(request.match_info["id"]), request)

    def _record(self, record: dict[str, str] | None, request: web.Request) -> web.Response:
        if record is None:
            return web.json_response({"error": {"message": "No Record found",
                                                "detail": "Record doesn't exist or ACL "
                                                          "restricts the record retrieval"},
                                      "status": "failure"}, status=404)
        fields = request.query.get("sysparm_fields", "").split(",")
        return web.json_response({"result": {name: record.get(name, "") for name in fields}})


@dataclass
class FakeFreshservice(FakeHelpdeskApi):
    agents: dict[int, dict[str, Any]] = field(default_factory=dict)
    groups: dict[int, dict[str, Any]] = field(default_factory=dict)
    tickets: list[dict[str, Any]] = field(default_factory=list)

    def add_ticket(self, ticket_id: int, kind: str, status: int, updated: datetime, *,
                   requester: tuple[str, str], responder: int | None, group: int | None) -> None:
        stamp = updated.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.tickets.append({
            "id": ticket_id, "type": kind, "status": status, "priority": 1,
            "subject": f"Ticket {ticket_id}", "requester_id": 9000 + ticket_id,
            "responder_id": responder, "group_id": group, "created_at": stamp,
            "updated_at": stamp, "requester": {
                "id": 9000 + ticket_id, "name": requester[1], "email": requester[0],
                "mobile": None, "phone": None,
            },
        })

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/v2/tickets", self._tickets),
            web.get("/api/v2/agents/{id}", self._agent),
            web.get("/api/v2/groups/{id}", self._group),
        ]

    def unauthorized(self) -> web.Response:
        return web.json_response({"code": "invalid_credentials",
                                  "message": "You have to be logged in to perform this action."},
                                 status=401)

    def forbidden(self) -> web.Response:
        return web.json_response({"code": "access_denied",
                                  "message": "You are not authorized to perform this action."},
                                 status=403)

    def too_many(self) -> web.Response:
        return web.json_response({"message": "You have exceeded the limit of requests per "
                                             "minute"}, status=429,
                                 headers={"Retry-After": str(self.retry_after),
                                          "X-RateLimit-Total": "140",
                                          "X-RateLimit-Remaining": "0"})

    async def _tickets(self, request: web.Request) -> web.Response:
        since = datetime.fromisoformat(request.query["updated_since"].replace("Z", "+00:00"))
        found = [t for t in self.tickets if datetime.fromisoformat(
            t["updated_at"].replace("Z", "+00:00")) >= since]
        found.sort(key=lambda t: t["created_at"], reverse=True)  # Freshservice's default
        page = int(request.query.get("page", "1"))
        size = min(int(request.query.get("per_page", "30")), 100)
        shown = found[(page - 1) * size:page * size]
        if request.query.get("include") != "requester":
            shown = [{k: v for k, v in t.items() if k != "requester"} for t in shown]
        headers = {}
        if page * size < len(found):
            headers["Link"] = f'<{self.url}/api/v2/tickets?page={page + 1}>; rel="next"'
        return web.json_response({"tickets": shown}, headers=headers)

    async def _agent(self, request: web.Request) -> web.Response:
        agent = self.agents.get(int(request.match_info["id"]))
        if agent is None:
            return web.json_response({"code": "not_found"}, status=404)
        return web.json_response({"agent": agent})

    async def _group(self, request: web.Request) -> web.Response:
        group = self.groups.get(int(request.match_info["id"]))
        if group is None:
            return web.json_response({"code": "not_found"}, status=404)
        return web.json_response({"group": group})
