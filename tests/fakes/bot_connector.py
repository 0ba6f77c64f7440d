"""A fake Bot Framework connector: a loopback aiohttp server answering the bot's REST calls.

The bot reaches it through the activity's `serviceUrl`, exactly as it reaches Teams. It
creates conversations, accepts sends, replies and updates, answers member lookups from a
roster the test fills, and records every call so tests can assert what the bot said.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass(frozen=True)
class Call:
    method: str
    op: str  # "create", "send", "reply", "update", "members", "member"
    conversation_id: str | None
    activity_id: str | None
    body: Any
    authorization: str | None


@dataclass
class FakeConnector:
    calls: list[Call] = field(default_factory=list)
    # conversation (or team) id -> members, as Teams returns them (TeamsChannelAccount JSON)
    rosters: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Users for whom creating a 1:1 conversation fails as when the app is not installed.
    not_installed: set[str] = field(default_factory=set)
    # The next calls answer with these statuses (e.g. 429, 503), in order.
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    server: TestServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None, "the fake connector is not running"
        return str(self.server.make_url("/"))

    # ----------------------------------------------------------------- queries
    def of(self, op: str) -> list[Call]:
        return [call for call in self.calls if call.op == op]

    def sent_to(self, conversation_id: str) -> list[Call]:
        """Activities posted into a conversation: sends and replies."""
        return [
            call for call in self.calls
            if call.op in ("send", "reply") and call.conversation_id == conversation_id
        ]

    def last_card(self, op: str = "send") -> dict[str, Any]:
        """The Adaptive Card of the newest call of `op`."""
        calls = self.of(op)
        assert calls, f"no {op} call was made"
        return card_of(calls[-1].body)

    def add_member(self, roster: str, member: dict[str, Any]) -> None:
        self.rosters.setdefault(roster, []).append(member)

    def fail_next(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.failures.append((status, headers or {}))

    # ----------------------------------------------------------------- server
    def app(self) -> web.Application:
        app = web.Application()
        base = "/v3/conversations"
        app.router.add_post(base, self._create)
        app.router.add_post(base + "/{conversation}/activities", self._send)
        app.router.add_post(base + "/{conversation}/activities/{activity}", self._reply)
        app.router.add_put(base + "/{conversation}/activities/{activity}", self._update)
        app.router.add_get(base + "/{conversation}/members", self._members)
        app.router.add_get(base + "/{conversation}/pagedmembers", self._paged_members)
        app.router.add_get(base + "/{conversation}/members/{member}", self._member)
        return app

    async def _record(
        self, request: web.Request, op: str, body: Any = None
    ) -> web.Response | None:
        self.calls.append(
            Call(
                method=request.method,
                op=op,
                conversation_id=request.match_info.get("conversation"),
                activity_id=request.match_info.get("activity"),
                body=body,
                authorization=request.headers.get("Authorization"),
            )
        )
        if self.failures:
            status, headers = self.failures.pop(0)
            return web.json_response(
                {"error": {"code": "Failure", "message": "injected"}},
                status=status, headers=headers,
            )
        return None

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        failed = await self._record(request, "create", body)
        if failed is not None:
            return failed
        members = body.get("members") or []
        if any(member.get("id") in self.not_installed for member in members):
            return web.json_response(
                {"error": {"code": "Forbidden", "message": "the bot is not installed"}},
                status=403,
            )
        return web.json_response(
            {"id": f"a:conversation-{next(self._ids)}", "activityId": None}, status=201
        )

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        failed = await self._record(request, "send", body)
        return failed or web.json_response({"id": str(next(self._ids))}, status=201)

    async def _reply(self, request: web.Request) -> web.Response:
        body = await request.json()
        failed = await self._record(request, "reply", body)
        return failed or web.json_response({"id": str(next(self._ids))}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
        failed = await self._record(request, "update", body)
        return failed or web.json_response({"id": request.match_info["activity"]})

    async def _members(self, request: web.Request) -> web.Response:
        failed = await self._record(request, "members")
        return failed or web.json_response(self.rosters.get(request.match_info["conversation"], []))

    async def _paged_members(self, request: web.Request) -> web.Response:
        failed = await self._record(request, "members")
        roster = self.rosters.get(request.match_info["conversation"], [])
        return failed or web.json_response({"members": roster, "continuationToken": None})

    async def _member(self, request: web.Request) -> web.Response:
        failed = await self._record(request, "member")
        if failed is not None:
            return failed
        wanted = request.match_info["member"].lower()
        # A channel thread's roster is its channel's.
        conversation = request.match_info["conversation"].partition(";messageid=")[0]
        for member in self.rosters.get(conversation, []):
            keys = (member.get("id"), member.get("aadObjectId"), member.get("email"),
                    member.get("userPrincipalName"))
            if wanted in {str(key).lower() for key in keys if key}:
                return web.json_response(member)
        return web.json_response(
            {"error": {"code": "MemberNotFoundInConversation", "message": "not found"}},
            status=404,
        )


def card_of(activity: dict[str, Any]) -> dict[str, Any]:
    """The Adaptive Card attached to an activity JSON."""
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            content: dict[str, Any] = attachment["content"]
            return content
    raise AssertionError(f"no Adaptive Card in {activity!r}")


@asynccontextmanager
async def running_connector() -> AsyncIterator[FakeConnector]:
    connector = FakeConnector()
    connector.server = TestServer(connector.app(), host="127.0.0.1")
    await connector.server.start_server()
    try:
        yield connector
    finally:
        await connector.server.close()
