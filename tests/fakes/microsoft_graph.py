"""A fake Microsoft Graph and Microsoft sign-in service: a loopback aiohttp server.

It answers the calls ratebot makes to install itself for a person: the client-credentials
token request (`/{tenant}/oauth2/v2.0/token`), `POST /v1.0/users/{id}/teamwork/installedApps`,
the list of a person's installed apps filtered by catalog id, and the chat of one
installation. Tokens are checked on every Graph call; everything is recorded.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

CLIENT_ID = "8d88f59b-ae61-4300-bec0-caace7d28446"
CLIENT_SECRET = "not-a-real-secret"
CATALOG_ID = "e3c7a6b1-3f4b-4c55-9d0e-1f2a3b4c5d6e"


@dataclass(frozen=True)
class GraphCall:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str | None


@dataclass
class FakeGraph:
    calls: list[GraphCall] = field(default_factory=list)
    # user (AAD object id or sign-in name) -> installation ids of the catalog app
    installed: dict[str, str] = field(default_factory=dict)
    # Answer every install with 403, as without TeamsAppInstallation.ReadWriteSelfForUser.All.
    forbidden: bool = False
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    server: TestServer | None = None

    @property
    def url(self) -> str:
        """The base of both services: `…/v1.0` is Graph, `…/{tenant}/oauth2` the sign-in."""
        assert self.server is not None, "the fake Graph is not running"
        return str(self.server.make_url("")).rstrip("/")

    @property
    def graph_url(self) -> str:
        return f"{self.url}/v1.0"

    def of(self, method: str, suffix: str) -> list[GraphCall]:
        return [c for c in self.calls if c.method == method and c.path.endswith(suffix)]

    @staticmethod
    def chat_of(user: str) -> str:
        """The 1:1 chat id an installation for `user` opens, shaped as Teams shapes it."""
        return f"19:{user}_{CLIENT_ID}@unq.gbl.spaces"

    # ----------------------------------------------------------------- server
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        apps = "/v1.0/users/{user}/teamwork/installedApps"
        app.router.add_post(apps, self._install)
        app.router.add_get(apps, self._list)
        app.router.add_get(apps + "/{installation}/chat", self._chat)
        return app

    async def _record(self, request: web.Request, body: Any) -> None:
        self.calls.append(GraphCall(request.method, request.path, dict(request.query), body,
                                    request.headers.get("Authorization")))

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        await self._record(request, form)
        good = (form.get("grant_type") == "client_credentials"
                and form.get("client_id") == CLIENT_ID
                and form.get("client_secret") == CLIENT_SECRET
                and str(form.get("scope", "")).endswith("/.default"))
        if not good:
            return web.json_response({"error": "invalid_client"}, status=401)
        tenant = request.match_info["tenant"]
        return web.json_response({"token_type": "Bearer", "expires_in": 3599,
                                  "access_token": f"graph-token-for-{tenant}"})

    def _refused(self, request: web.Request) -> web.Response | None:
        if not str(request.headers.get("Authorization", "")).startswith("Bearer graph-token-"):
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}},
                                     status=401)
        if self.forbidden:
            return web.json_response(
                {"error": {"code": "Forbidden", "message": "Missing role permissions"}},
                status=403)
        return None

    async def _install(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self._record(request, body)
        refused = self._refused(request)
        if refused is not None:
            return refused
        bind = str(body.get("teamsApp@odata.bind", ""))
        if not bind.endswith(f"/appCatalogs/teamsApps/{CATALOG_ID}"):
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        user = request.match_info["user"]
        if user in self.installed:
            return web.json_response({"error": {"code": "Conflict"}}, status=409)
        self.installed[user] = f"installation-{next(self._ids)}"
        return web.Response(status=201)

    async def _list(self, request: web.Request) -> web.Response:
        await self._record(request, None)
        refused = self._refused(request)
        if refused is not None:
            return refused
        wanted = f"teamsApp/id eq '{CATALOG_ID}'"
        installation = self.installed.get(request.match_info["user"])
        found = installation is not None and request.query.get("$filter") == wanted
        value = [{"id": installation, "teamsApp": {"id": CATALOG_ID}}] if found else []
        return web.json_response({"value": value})

    async def _chat(self, request: web.Request) -> web.Response:
        await self._record(request, None)
        refused = self._refused(request)
        if refused is not None:
            return refused
        user = request.match_info["user"]
        if self.installed.get(user) != request.match_info["installation"]:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response({"id": self.chat_of(user)})


@asynccontextmanager
async def running_graph() -> AsyncIterator[FakeGraph]:
    graph = FakeGraph()
    graph.server = TestServer(graph.app(), host="127.0.0.1")
    await graph.server.start_server()
    try:
        yield graph
    finally:
        await graph.server.close()
