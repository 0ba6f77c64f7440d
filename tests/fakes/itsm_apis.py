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


@dataclass
class FakeGlpi(FakeHelpdeskApi):
    """GLPI's `apirest.php`: `initSession` by user token, then `Session-Token` on each call.

    The gate checks the user token only on `initSession`; the handlers check the session.
    """

    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    emails: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    groups: dict[int, dict[str, Any]] = field(default_factory=dict)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    searches: list[dict[str, str]] = field(default_factory=list)

    def add_ticket(self, ticket_id: int, status: int, solved: str | None, *, requester: int,
                   technician: int | None, group: int | None) -> None:
        self.tickets.append({"id": ticket_id, "name": f"Ticket {ticket_id}", "status": status,
                             "solvedate": solved, "requester": requester,
                             "technician": technician, "group": group})

    def expire_sessions(self) -> None:
        self.sessions.clear()

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/initSession", self._init),
            web.get("/search/Ticket", self._search),
            web.get("/Ticket/{id}/Ticket_User", self._ticket_users),
            web.get("/Ticket/{id}/Group_Ticket", self._ticket_groups),
            web.get("/User/{id}/UserEmail", self._user_emails),
            web.get("/User/{id}", self._user),
            web.get("/Group/{id}", self._group),
        ]

    @web.middleware
    async def _gate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.query)))
        if request.path == "/initSession":
            if request.headers.get("Authorization") != self.authorization:
                return self.unauthorized()
        elif request.headers.get("Session-Token") not in self.sessions:
            return web.json_response(["ERROR_SESSION_TOKEN_INVALID",
                                      "session_token seems invalid"], status=401)
        response: web.StreamResponse = await handler(request)
        return response

    def unauthorized(self) -> web.Response:
        return web.json_response(["ERROR_GLPI_LOGIN_USER_TOKEN",
                                  "parameter user_token seems invalid"], status=401)

    async def _init(self, request: web.Request) -> web.Response:
        token = f"session-{len(self.requests)}"
        self.sessions.append(token)
        return web.json_response({"session_token": token})

    async def _search(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.searches.append(query)
        assert query["criteria[0][field]"] == "12" and query["criteria[0][value]"] == "old"
        since = query["criteria[1][value]"]
        found = sorted((t for t in self.tickets if t["status"] in (5, 6) and t["solvedate"]
                        and t["solvedate"] > since), key=lambda t: (t["solvedate"], t["id"]))
        first, last = (int(part) for part in query["range"].split("-"))
        page = found[first:last + 1]
        rows = [{"2": t["id"], "1": t["name"], "12": t["status"], "17": t["solvedate"]}
                for t in page]
        status = 206 if last + 1 < len(found) else 200
        return web.json_response({"totalcount": len(found), "count": len(rows), "data": rows,
                                  "content-range": f"{first}-{last}/{len(found)}"},
                                 status=status)

    def _ticket(self, request: web.Request) -> dict[str, Any]:
        return next(t for t in self.tickets if t["id"] == int(request.match_info["id"]))

    async def _ticket_users(self, request: web.Request) -> web.Response:
        ticket = self._ticket(request)
        links = [{"id": 1, "tickets_id": ticket["id"], "users_id": ticket["requester"],
                  "type": 1, "use_notification": 1, "alternative_email": ""}]
        if ticket["technician"]:
            links.append({"id": 2, "tickets_id": ticket["id"], "users_id": ticket["technician"],
                          "type": 2, "use_notification": 1, "alternative_email": ""})
        return web.json_response(links)

    async def _ticket_groups(self, request: web.Request) -> web.Response:
        ticket = self._ticket(request)
        links = [{"id": 1, "tickets_id": ticket["id"], "groups_id": ticket["group"], "type": 2}]
        return web.json_response(links if ticket["group"] else [])

    async def _user_emails(self, request: web.Request) -> web.Response:
        return web.json_response(self.emails.get(int(request.match_info["id"]), []))

    async def _user(self, request: web.Request) -> web.Response:
        user = self.users.get(int(request.match_info["id"]))
        if user is None:
            return web.json_response(["ERROR_ITEM_NOT_FOUND", "Item not found"], status=404)
        return web.json_response(user)

    async def _group(self, request: web.Request) -> web.Response:
        group = self.groups.get(int(request.match_info["id"]))
        if group is None:
            return web.json_response(["ERROR_ITEM_NOT_FOUND", "Item not found"], status=404)
        return web.json_response(group)
