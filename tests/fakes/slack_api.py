"""A fake Slack Web API on 127.0.0.1: records every call and answers like Slack does.

It also serves the upload URL of `files_upload_v2` and a Socket Mode WebSocket, so the
real slack-sdk and slack-bolt talk to it over HTTP exactly as they talk to Slack.

For fault injection it can be slow (`delay`), rate-limit like Slack (`throttle`: 429 with
Retry-After, every window recorded and every call inside one counted as a violation;
`enforce_tiers`: Slack's documented rate tiers, with 429s for what goes over them), hold
a post that took effect without answering it (`hold`), and count what reached each person
per rating prompt (`deliveries`), from the prompt's message metadata or its buttons.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from tests.fakes.slack_faults import (
    Hold,
    RateLimits,
    Throttle,
    TierLimits,
    Violation,
    Window,
    flag,
    history_page,
    metadata_of,
    prompt_id_of,
    retry_after_header,
    shown_message,
)

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
    is_bot: bool = False
    updated: int = 1700000000  # Slack's change stamp of the profile

    def as_json(self, *, include_locale: bool) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": self.id, "team_id": "T111", "name": self.email.split("@")[0],
            "real_name": self.name, "tz": self.tz, "deleted": self.deleted,
            "is_bot": self.is_bot, "updated": self.updated,
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
    # Message timestamps from the real clock, as Slack's are, so a client may ask for the
    # history since a moment it knows; else 1700000000.000001, .000002, ... (repeatable).
    real_time: bool = False
    posts: list[tuple[str, str]] = field(default_factory=list)  # chat.postMessage, in order
    limits: RateLimits = field(default_factory=RateLimits)
    tiers: TierLimits | None = None  # Slack's rate tiers, when enforced
    _delays: dict[str, float] = field(default_factory=dict)
    _holds: list[Hold] = field(default_factory=list)
    _last_ts: float = 0.0

    # ------------------------------------------------------------------ setup

    @classmethod
    @asynccontextmanager
    async def running(cls, *, real_time: bool = False) -> AsyncIterator[FakeSlackApi]:
        api = cls(real_time=real_time)
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
            for hold in api._holds:
                hold.release()
            await server.close()

    @property
    def base_url(self) -> str:
        """What SLACK_API_URL is set to: slack-sdk appends the method name."""
        assert self.server is not None
        return str(self.server.make_url("/api/"))

    def add_user(self, user_id: str, email: str, name: str, *, locale: str = "en-US",
                 tz: str = "Europe/Amsterdam", deleted: bool = False,
                 is_bot: bool = False) -> FakeUser:
        user = FakeUser(user_id, email, name, locale, tz, deleted=deleted, is_bot=is_bot)
        self.users[user_id] = user
        return user

    def enforce_tiers(self, **figures: Any) -> TierLimits:
        """From now on answer like Slack's rate tiers (see `TierLimits` for `figures`)."""
        self.tiers = TierLimits(**figures)
        return self.tiers

    def fail(self, method: str, error: str, *, times: int = 1, status: int = 200,
             retry_after: int | None = None) -> None:
        """The next `times` calls of `method` fail like Slack: `ok: false` (or a 429)."""
        self._failures.setdefault(method, []).extend(
            Failure(error, status, retry_after) for _ in range(times)
        )

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 0) -> None:
        self.fail(method, "ratelimited", times=times, status=429, retry_after=retry_after)

    def throttle(self, method: str, *, share: float = 0.0, calls: Collection[int] = (),
                 retry_after: int | tuple[int, int] = 1, budget: int | None = None,
                 seed: int = 0) -> Throttle:
        """From now on answer some calls of `method` 429 with Retry-After, as Slack does.

        `calls` numbers them (1 = the next call), or `share` of them are drawn with `seed`;
        at most `budget` in all. Every 429 opens a window of its Retry-After, counted from
        when it is answered; a call of `method` arriving inside one is a violation (see
        `violations`). It is still answered as usual: the test sees every call made there.
        """
        wait = (retry_after, retry_after) if isinstance(retry_after, int) else retry_after
        throttle = Throttle(share=share, calls=frozenset(calls), retry_after=wait,
                            budget=budget, seed=seed)
        self.limits.throttles[method] = throttle
        return throttle

    def delay(self, method: str, seconds: float) -> None:
        """Answer every call of `method` `seconds` late (after it took effect): a slow Slack."""
        self._delays[method] = seconds

    def hold(self, method: str = "chat.postMessage", *, after: int = 0) -> Hold:
        """Let `after` calls of `method` through, then hold the next that succeeds.

        The held call takes effect (a message is in the channel's history) and its answer
        waits for `Hold.release()`, or for the client to disconnect (a killed process).
        """
        hold = Hold(method, after)
        self._holds.append(hold)
        return hold

    # ------------------------------------------------------------------ fault counts

    @property
    def windows(self) -> list[Window]:
        return list(self.limits.windows)

    @property
    def violations(self) -> list[Violation]:
        return list(self.limits.violations)

    def deliveries(self, channel_prefix: str = "") -> Counter[str | None]:
        """How many messages were posted for each rating prompt id (None: not a prompt),
        in channels whose id starts with `channel_prefix` ("D": direct messages)."""
        return Counter(prompt_id_of(self.messages[key]) for key in self.posts
                       if key[0].startswith(channel_prefix))

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
        if not self.real_time:
            return f"1700000000.{next(self._ts):06d}"
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

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
        if "metadata" in args:
            args["metadata"] = metadata_of(args["metadata"])
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
        self.limits.arrived(method, time.monotonic(), args.get("channel"))
        await self._record(call)
        failures = self._failures.get(method)
        failure = failures.pop(0) if failures else None
        if failure is None:
            limited = self.limits.decide(method)
            if limited is not None:
                failure = Failure("ratelimited", 429, limited)
        if failure is None and self.tiers is not None:
            # Windows of tier refusals are kept by `tiers`, in its own (scaled) time.
            over = self.tiers.admit(method, self._channel_of(args))
            if over is not None:
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                         headers={"Retry-After": str(over)})
        if failure is not None:
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = retry_after_header(failure.retry_after)
                if failure.status == 429:
                    self.limits.answered(method, failure.retry_after)
            return web.json_response({"ok": False, "error": failure.error},
                                     status=failure.status, headers=headers)
        if not call.token:
            return web.json_response({"ok": False, "error": "not_authed"})
        answer = getattr(self, "_" + method.replace(".", "_"), None)
        if answer is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        body: dict[str, Any] = answer(args, request)
        if "error" in body:
            return web.json_response({"ok": False, **body})
        hold = self._hold_for(method)
        if hold is not None:
            hold.args = args
            await hold.keep(lambda: request.transport is None or request.transport.is_closing())
        if self._delays.get(method):
            await asyncio.sleep(self._delays[method])
        return web.json_response({"ok": True, **body})

    def _channel_of(self, args: dict[str, Any]) -> str | None:
        """Where a post goes: a user id posts to that person's DM with the bot."""
        channel = args.get("channel")
        if isinstance(channel, str) and channel[:1] in ("U", "W") and channel in self.users:
            return "D" + channel[1:]
        return channel if isinstance(channel, str) else None

    def _hold_for(self, method: str) -> Hold | None:
        """The hold this successful call of `method` meets, if any (each holds one call)."""
        waiting = [h for h in self._holds if h.method == method and not h.arrived.is_set()]
        chosen = next((h for h in waiting if h.countdown == 0), None)
        for hold in waiting:
            if hold is not chosen and hold.countdown > 0:
                hold.countdown -= 1
        return chosen

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

    def _users_list(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        """Everyone, deactivated and bots included, by id, `limit` a page from `cursor`."""
        everyone = sorted(self.users.values(), key=lambda user: user.id)
        cursor = str(args.get("cursor") or "")
        if cursor and not cursor.startswith("page:"):
            return {"error": "invalid_cursor"}
        offset = int(cursor.removeprefix("page:") or 0)
        limit = int(args.get("limit") or 0) or len(everyone) or 1
        page = everyone[offset:offset + limit]
        more = offset + limit < len(everyone)
        return {"members": [user.as_json(include_locale=flag(args.get("include_locale")))
                            for user in page],
                "response_metadata": {"next_cursor": f"page:{offset + limit}" if more else ""}}

    def _chat_postMessage(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        channel = self._channel_of(args) or ""
        if not channel or channel[:1] in ("U", "W"):
            return {"error": "channel_not_found"}
        ts = self._next_ts()
        message = {"type": "message", "user": BOT_USER, "bot_id": "B111", "ts": ts,
                   "text": args.get("text", ""), "blocks": args.get("blocks", [])}
        if args.get("metadata"):
            message["metadata"] = args["metadata"]
        self.messages[(channel, ts)] = message
        self.posts.append((channel, ts))
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
        if not args.get("channel"):
            return {"error": "channel_not_found"}
        return history_page(self.messages, args)

    def _conversations_replies(self, args: dict[str, Any], request: web.Request) -> dict[str, Any]:
        message = self.messages.get((str(args.get("channel")), str(args.get("ts"))))
        if message is None:
            return {"error": "thread_not_found"}
        shown = shown_message(message, with_metadata=flag(args.get("include_all_metadata")))
        return {"messages": [shown], "has_more": False}

    def _files_getUploadURLExternal(self, args: dict[str, Any],
                                    request: web.Request) -> dict[str, Any]:
        file_id = f"F{next(self._ts)}"
        url = str(request.url.with_path(f"/upload/{file_id}").with_query(None))
        return {"upload_url": url, "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any],
                                      request: web.Request) -> dict[str, Any]:
        files = args.get("files") or []
        return {"files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _functions_completeSuccess(self, args: dict[str, Any],
                                   request: web.Request) -> dict[str, Any]:
        # Slack wants the execution and the step's outputs (an object, empty if none).
        if not args.get("function_execution_id") or "outputs" not in args:
            return {"error": "invalid_arguments"}
        return {}

    def _functions_completeError(self, args: dict[str, Any],
                                 request: web.Request) -> dict[str, Any]:
        if not args.get("function_execution_id") or not args.get("error"):
            return {"error": "invalid_arguments"}
        return {}

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
