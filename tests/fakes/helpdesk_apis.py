"""Fake Jira and Zendesk REST APIs on 127.0.0.1, answering as the vendors document.

Jira: `GET /rest/api/3/user?accountId=` (Cloud: `emailAddress` left out when the profile
hides it), `GET /rest/api/3/search/jql` (`nextPageToken` / `isLast`), Data Center's
`GET /rest/api/2/search` (`startAt` / `total`). JQL is understood only as far as ratebot
writes it: `resolutiondate >= "yyyy/MM/dd HH:mm"` (read in UTC, the fake API user's zone).
Zendesk: `GET /api/v2/users/{id}.json`, `/api/v2/groups/{id}.json` and the cursor-based
incremental ticket export (`after_cursor`, `end_of_stream`).

Both check the `Authorization` header (401 as the vendor words it), can deny (403), and
can rate-limit the next `throttle` requests (429 with the vendor's headers). Every request
is recorded as (path, query).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

_SINCE = re.compile(r'resolutiondate >= "(\d{4}/\d{2}/\d{2} \d{2}:\d{2})"')


def basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")


@dataclass
class FakeHelpdeskApi:
    """What both fakes share: the server, auth, denial, throttling, the request log."""

    authorization: str
    server: TestServer | None = None
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    throttle: int = 0  # the next this many requests are answered 429
    retry_after: int = 2
    deny: bool = False

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    def routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    @asynccontextmanager
    async def running(self) -> AsyncIterator[FakeHelpdeskApi]:
        app = web.Application(middlewares=[self._gate])
        app.add_routes(self.routes())
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        try:
            yield self
        finally:
            await self.server.close()

    @web.middleware
    async def _gate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.query)))
        if request.headers.get("Authorization") != self.authorization:
            return self.unauthorized()
        if self.deny:
            return self.forbidden()
        if self.throttle > 0:
            self.throttle -= 1
            return self.too_many()
        response: web.StreamResponse = await handler(request)
        return response

    def unauthorized(self) -> web.Response:
        raise NotImplementedError

    def forbidden(self) -> web.Response:
        raise NotImplementedError

    def too_many(self) -> web.Response:
        raise NotImplementedError


def jira_user(account_id: str, name: str, email: str | None, *, customer: bool = False) -> dict[
    str, Any
]:
    """A user as Jira Cloud shows one: no `emailAddress` when the profile hides it."""
    user: dict[str, Any] = {
        "self": f"https://acme.atlassian.net/rest/api/3/user?accountId={account_id}",
        "accountId": account_id,
        "accountType": "customer" if customer else "atlassian",
        "avatarUrls": {"48x48": "https://avatar-management.example/48.png"},
        "displayName": name,
        "active": True,
        "timeZone": "Europe/Amsterdam",
    }
    if email is not None:
        user["emailAddress"] = email
    return user


def jira_issue(
    key: str, *, reporter: dict[str, Any], assignee: dict[str, Any] | None, resolved: datetime,
    status: str = "Resolved", project: str = "ITSM", summary: str = "VPN does not connect",
) -> dict[str, Any]:
    """A search result with ratebot's `fields`; people as the search shows them (no e-mail
    for Cloud users who hide it)."""
    return {
        "expand": "",
        "id": str(10000 + sum(map(ord, key))),
        "self": f"https://acme.atlassian.net/rest/api/3/issue/{key}",
        "key": key,
        "fields": {
            "summary": summary,
            "project": {"id": "10000", "key": project, "name": "IT Service Desk"},
            "status": {
                "name": status, "id": "10003",
                "statusCategory": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
            },
            "reporter": reporter,
            "assignee": assignee,
            "resolutiondate": resolved.strftime("%Y-%m-%dT%H:%M:%S.000%z"),
        },
    }


@dataclass
class FakeJira(FakeHelpdeskApi):
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    issues: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    jql: list[str] = field(default_factory=list)

    def add_user(self, user: dict[str, Any], *, hidden_email: str | None = None) -> None:
        """`hidden_email`: the address the search hides but `/user` shows (visibility)."""
        stored = dict(user)
        if hidden_email is not None:
            stored["emailAddress"] = hidden_email
        self.users[user["accountId"]] = stored

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/rest/api/3/user", self._user),
            web.get("/rest/api/2/user", self._user),
            web.get("/rest/api/3/search/jql", self._search_cloud),
            web.get("/rest/api/2/search", self._search_dc),
        ]

    def unauthorized(self) -> web.Response:
        return web.Response(
            status=401, text="Client must be authenticated to access this resource.",
            content_type="text/html",
        )

    def forbidden(self) -> web.Response:
        return web.json_response(
            {"errorMessages": ["You do not have the permission to see the specified issue."],
             "errors": {}}, status=403,
        )

    def too_many(self) -> web.Response:
        reset = datetime.now(UTC) + timedelta(seconds=self.retry_after)
        return web.Response(status=429, text="Rate limit exceeded.", headers={
            "Retry-After": str(self.retry_after),
            "X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
            "RateLimit-Reason": "jira-quota-global-based",
        })

    async def _user(self, request: web.Request) -> web.Response:
        user = self.users.get(request.query.get("accountId") or request.query.get("key", ""))
        if user is None:
            return web.json_response({"errorMessages": [
                "Specified user does not exist or you do not have required permissions"
            ], "errors": {}}, status=404)
        return web.json_response(user)

    def _found(self, jql: str) -> list[dict[str, Any]]:
        self.jql.append(jql)
        match = _SINCE.search(jql)
        since = datetime.strptime(match.group(1), "%Y/%m/%d %H:%M").replace(tzinfo=UTC) \
            if match else datetime.min.replace(tzinfo=UTC)
        found = [i for i in self.issues
                 if datetime.fromisoformat(i["fields"]["resolutiondate"]) >= since]
        return sorted(found, key=lambda i: datetime.fromisoformat(i["fields"]["resolutiondate"]))

    async def _search_cloud(self, request: web.Request) -> web.Response:
        found = self._found(request.query["jql"])
        token = request.query.get("nextPageToken")
        start = int(base64.b64decode(token)) if token else 0
        size = min(int(request.query.get("maxResults", "50")), self.page_size)
        page = found[start:start + size]
        body: dict[str, Any] = {"issues": page, "isLast": start + size >= len(found)}
        if not body["isLast"]:
            body["nextPageToken"] = base64.b64encode(str(start + size).encode()).decode()
        return web.json_response(body)

    async def _search_dc(self, request: web.Request) -> web.Response:
        found = self._found(request.query["jql"])
        start = int(request.query.get("startAt", "0"))
        size = min(int(request.query.get("maxResults", "50")), self.page_size)
        return web.json_response({
            "expand": "schema,names", "startAt": start, "maxResults": size,
            "total": len(found), "issues": found[start:start + size],
        })


@dataclass
class FakeZendesk(FakeHelpdeskApi):
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    groups: dict[int, dict[str, Any]] = field(default_factory=dict)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2

    def add_user(self, user_id: int, name: str, email: str) -> None:
        self.users[user_id] = {"id": user_id, "name": name, "email": email, "role": "end-user"}

    def add_group(self, group_id: int, name: str) -> None:
        self.groups[group_id] = {"id": group_id, "name": name, "deleted": False}

    def add_ticket(self, ticket_id: int, status: str, updated_at: datetime, *, requester: int,
                   assignee: int | None, group: int | None, subject: str) -> None:
        stamp = updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.tickets.append({
            "id": ticket_id, "url": f"https://acme.zendesk.com/api/v2/tickets/{ticket_id}.json",
            "status": status, "subject": subject, "requester_id": requester,
            "submitter_id": requester, "assignee_id": assignee, "group_id": group,
            "created_at": stamp, "updated_at": stamp,
            "generated_timestamp": int(updated_at.timestamp()),
        })

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/v2/users/{id}.json", self._user),
            web.get("/api/v2/groups/{id}.json", self._group),
            web.get("/api/v2/incremental/tickets/cursor.json", self._export),
        ]

    def unauthorized(self) -> web.Response:
        return web.json_response({"error": "Couldn't authenticate you"}, status=401)

    def forbidden(self) -> web.Response:
        return web.json_response({"error": "Forbidden", "description":
                                  "You do not have access to this page. Please contact the "
                                  "account owner of this help desk for further help."},
                                 status=403)

    def too_many(self) -> web.Response:
        return web.Response(status=429, text="Too Many Requests", headers={
            "Retry-After": str(self.retry_after),
            "ratelimit-limit": "10", "ratelimit-remaining": "0",
            "ratelimit-reset": str(self.retry_after),
        })

    async def _user(self, request: web.Request) -> web.Response:
        user = self.users.get(int(request.match_info["id"]))
        if user is None:
            return web.json_response({"error": "RecordNotFound", "description": "Not found"},
                                     status=404)
        return web.json_response({"user": user})

    async def _group(self, request: web.Request) -> web.Response:
        group = self.groups.get(int(request.match_info["id"]))
        if group is None:
            return web.json_response({"error": "RecordNotFound", "description": "Not found"},
                                     status=404)
        return web.json_response({"group": group})

    async def _export(self, request: web.Request) -> web.Response:
        ordered = sorted(self.tickets, key=lambda t: (t["generated_timestamp"], t["id"]))
        if "cursor" in request.query:
            after = tuple(json.loads(base64.b64decode(request.query["cursor"])))
        else:  # just before the first ticket stamped at start_time
            after = (int(request.query["start_time"]), -1)
        rest = [t for t in ordered if (t["generated_timestamp"], t["id"]) > after]
        page = rest[:self.page_size]
        last = (page[-1]["generated_timestamp"], page[-1]["id"]) if page else after
        cursor = base64.b64encode(json.dumps(list(last)).encode()).decode()
        return web.json_response({
            "tickets": page, "after_cursor": cursor, "before_cursor": None,
            "after_url": f"{self.url}/api/v2/incremental/tickets/cursor.json?cursor={cursor}",
            "end_of_stream": len(rest) <= self.page_size,
        })
