"""A fake Slack Web API on 127.0.0.1: records every call and answers like Slack does.

It also serves the upload URL of `files_upload_v2` and a Socket Mode WebSocket, so the
real slack-sdk and slack-bolt talk to it over HTTP exactly as they talk to Slack.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

BOT_USER = "UBOT"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float = field(default_factory=time.perf_counter)  # when it arrived (benchmarks)


@dataclass
class FakeUser:
    id: str
    email: str
    name: str
    locale: str = "en-US"
    tz: str = "Europe/Amsterdam"
    deleted: bool = False

    def as_json(self, *, include_locale: bool) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": self.id, "team_id": "T111", "name": self.email.split("@")[0],
            "real_name": self.name, "tz": self.tz, "deleted": self.deleted, "is_bot": False,
            "profile": {"email": self.email, "real_name": self.name, "display_name": self.name},
        }
        if include_locale:
            user["locale"] = self.locale
        return user


@dataclass
class Failure:
    error: str
    status: int = 200
    retry_after: int | None = None


@dataclass
class FakeSlackApi:
    """Slack's Web API as the tests need it. Use `async with FakeSlackApi.running() as api`."""

    users: dict[str, FakeUser] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)
    socket_url: str | None = None  # apps.connections.open answers this
    _by_method: dict[str, list[Call]] = field(default_factory=dict)
    _failures: dict[str, list[Failure]] = field(default_factory=dict)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    # Told of every call as it arrives: a benchmark's fifty clients each wait for their
    # own message this way, where `wait_until` would wake all fifty on every call.
    observers: list[Callable[[Call], None]] = field(default_factory=list)
    server: TestServer | None = None

    # ------------------------------------------------------------------ setup

    @classmethod
    @asynccontextmanager
    async def running(cls) -> AsyncIterator[FakeSlackApi]:
        api = cls()
        app = web.Application()
        app.router.add_post("/api/{method}", api._handle)
        app.router.add_get("/api/{method}", api._handle)
        app.router.add_post("/upload/{file_id}", api._upload)
        app.router.add_post("/respond/{token}", api._respond)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        api.server = server
        try:
            yield api
        finally:
            await server.close()

    @property
    def base_url(self) -> str:
        """What SLACK_API_URL is set to: slack-sdk appends the method name."""
        assert self.server is not None
        return str(self.server.make_url("/api/"))

    def add_user(self, user_id: str, email: str, name: str, *, locale: str = "en-US",
                 tz: str = "Europe/Amsterdam") -> FakeUser:
        user = FakeUser(user_id, email, name, locale, tz)
        self.users[user_id] = user
        return user

    def fail(self, method: str, error: str, *, times: int = 1, status: int = 200,
             retry_after: int | None = None) -> None:
        """The next `times` calls of `method` fail like Slack: `ok: false` (or a 429)."""
        self._failures.setdefault(method, []).extend(
            Failure(error, status, retry_after) for _ in range(times)
        )

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 0) -> None:
        self.fail(method, "ratelimited", times=times, status=429, retry_after=retry_after)

    # ------------------------------------------------------------------ reading

    def called(self, method: str) -> list[Call]:
        return list(self._by_method.get(method, ()))

    def last(self, method: str) -> Call:
        calls = self.called(method)
        assert calls, f"{method} was never called; calls: {[c.method for c in self.calls]}"
        return calls[-1]

    async def wait_until(self, ready: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until `ready()` holds; it is checked after every call that arrives."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(ready)

    async def wait_for(self, method: str, count: int = 1, within: float = 10.0) -> list[Call]:
        """Wait until `method` was called `count` times (work Slack's ack lets run on)."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(self.called(method)) >= count)
        return self.called(method)

    def post_message_as(self, channel: str, user: str, text: str) -> str:
        """A message someone typed in a channel (for closing it with a reaction)."""
        ts = self._next_ts()
        self.messages[(channel, ts)] = {"type": "message", "user": user, "text": text, "ts": ts}
        return ts

    # ------------------------------------------------------------------ serving

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json":
                args.update(json.loads(raw or b"{}"))
            else:
                args.update(dict(parse_qsl(raw.decode())))
        for key in ("blocks", "view", "files"):  # form posts send these as JSON strings
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    @property
    def response_url(self) -> str:
        """A slash command's `response_url`, answered here and recorded as "response_url"."""
        assert self.server is not None
        return str(self.server.make_url("/respond/T111"))

    async def _respond(self, request: web.Request) -> web.StreamResponse:
        call = Call("response_url", await request.json(), None)
        await self._record(call)
        return web.Response(text="ok")

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._by_method.setdefault(call.method, []).append(call)
            self._changed.notify_all()
        for observe in self.observers:
            observe(call)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args = await self._args(request)
        auth = request.headers.get("Authorization", "")
        call = Call(method, args, auth.removeprefix("Bearer ") or args.get("token"))
        await self._record(call)
        failures = self._failures.get(method)
        if failures:
            failure = failures.pop(0)
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
            return web.json_response({"ok": False, "error": failure.error},
                                     status=failure.status, headers=headers)
        if not call.token:
            return web.json_response({"ok": False, "error": "not_authed"})
        answer = getattr(self, "_" + method.replace(".", "_"), None)
        if answer is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        body: dict[str, Any] = answer(args, request)
        return web.json_response({"ok": True, **body} if "error" not in body else
                                 {"ok": False, **body})

    # ------------------------------------------------------------------ methods

    def _auth_test(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        return {"url": "https://example.slack.com/", "team": "Example", "user": "ratebot",
                "team_id": "T111", "user_id": BOT_USER, "bot_id": "B111"}

    def _users_lookupByEmail(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        for user in self.users.values():
            if user.email.lower() == str(args.get("email", "")).lower():
                return {"user": user.as_json(include_locale=False)}
        return {"error": "users_not_found"}

    def _users_info(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        if user is None:
            return {"error": "user_not_found"}
        wants = str(args.get("include_locale", "")).lower() in ("1", "true")
        return {"user": user.as_json(include_locale=wants)}

    def _conversations_open(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        users = str(args.get("users", ""))
        if not users:
            return {"error": "users_list_not_supplied"}
        return {"channel": {"id": "D" + users.split(",")[0][1:]}}

    def _chat_postMessage(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if not channel:
            return {"error": "channel_not_found"}
        ts = self._next_ts()
        message = {"type": "message", "user": BOT_USER, "bot_id": "B111", "ts": ts,
                   "text": args.get("text", ""), "blocks": args.get("blocks", [])}
        self.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "message": message}

    def _chat_update(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("ts")))
        if key not in self.messages:
            return {"error": "message_not_found"}
        self.messages[key].update(text=args.get("text", ""), blocks=args.get("blocks", []))
        return {"channel": key[0], "ts": key[1], "text": args.get("text", "")}

    def _chat_postEphemeral(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        return {"message_ts": self._next_ts()}

    def _views_open(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"error": "invalid_trigger_id"}
        return {"view": {"id": f"V{next(self._ts)}", **args["view"]}}

    def _views_publish(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        return {"view": {"id": f"V{next(self._ts)}", **args["view"]}}

    def _conversations_history(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        channel, latest = str(args.get("channel")), str(args.get("latest", ""))
        found = [m for (c, ts), m in self.messages.items() if c == channel and ts == latest]
        return {"messages": found, "has_more": False}

    def _conversations_replies(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        message = self.messages.get((str(args.get("channel")), str(args.get("ts"))))
        if message is None:
            return {"error": "thread_not_found"}
        return {"messages": [message], "has_more": False}

    def _files_getUploadURLExternal(self, args: dict[str, Any],
                                    request: web.Request) -> dict[str, Any]:
        file_id = f"F{next(self._ts)}"
        url = str(request.url.with_path(f"/upload/{file_id}").with_query(None))
        return {"upload_url": url, "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any],
                                      request: web.Request) -> dict[str, Any]:
        files = args.get("files") or []
        return {"files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _apps_connections_open(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        if self.socket_url is None:
            return {"error": "not_allowed_token_type"}
        return {"url": self.socket_url}

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text="OK")


class FakeSocketModeServer:
    """Slack's Socket Mode side: hands envelopes to the client and collects its acks."""

    def __init__(self) -> None:
        self.acks: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.connected = asyncio.Event()
        self._socket: web.WebSocketResponse | None = None
        self.server: TestServer | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[FakeSocketModeServer]:
        app = web.Application()
        app.router.add_get("/link", self._link)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        try:
            yield self
        finally:
            if self._socket is not None:
                await self._socket.close()
            await self.server.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/link")).replace("http://", "ws://")

    async def send(self, envelope: dict[str, Any]) -> None:
        await self.connected.wait()
        assert self._socket is not None
        await self._socket.send_json(envelope)

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1,
                                "connection_info": {"app_id": "A111"}})
        self.connected.set()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                await self.acks.put(json.loads(message.data))
        return socket
