"""What the fake Slack Web API does to a client on purpose: rate limits, slowness, a held post.

`FakeSlackApi` (tests/fakes/slack_api.py) uses these; the fault-injection tests read what
they recorded: every 429 window, every call that arrived inside one, every post held. Here
too: the channel history a client reads back to find a post whose answer it never got.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

# A call arriving this soon after a 429 was answered may have left its sender before the
# answer arrived (another replica's call, or one already on the wire): not a violation.
IN_FLIGHT_GRACE = 0.1
PROMPT_EVENT = "ratebot_prompt"  # the metadata event type of a rating prompt


@dataclass(frozen=True, slots=True)
class Window:
    """A 429 answered at `start` (time.monotonic) with Retry-After: the method is closed
    until `end`."""

    method: str
    start: float
    end: float
    retry_after: int


@dataclass(frozen=True, slots=True)
class Violation:
    """A call of `method` that arrived at `at`, inside `window` of the same method."""

    method: str
    at: float
    window: Window
    channel: str | None = None  # where the call was to post, when it says

    def __str__(self) -> str:
        early = self.window.end - self.at
        where = f" to {self.channel}" if self.channel else ""
        return (f"{self.method}{where} {self.at - self.window.start:.3f} s after a 429 "
                f"(Retry-After {self.window.retry_after}), {early:.3f} s early")


@dataclass
class Throttle:
    """Which calls of one method Slack answers 429, and with what Retry-After.

    Calls are numbered from 1 in arrival order. Either `calls` names them, or each is
    limited with probability `share` (seeded, so a run is repeatable); `budget` caps how
    many 429s are answered in all. Retry-After is drawn from `retry_after` (inclusive).
    """

    share: float = 0.0
    calls: Collection[int] = ()
    retry_after: tuple[int, int] = (1, 1)
    budget: int | None = None
    seed: int = 0
    seen: int = 0
    answered: int = 0
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def next_call(self) -> int | None:
        """Count one call; the Retry-After to answer it with, or None to answer it."""
        self.seen += 1
        draw = self._rng.random()  # drawn for every call: the pattern does not drift
        wait = self._rng.randint(*self.retry_after)
        limited = self.seen in self.calls or draw < self.share
        if not limited or (self.budget is not None and self.answered >= self.budget):
            return None
        self.answered += 1
        return wait


@dataclass
class RateLimits:
    """Every 429 window and every call that arrived inside one, per method."""

    grace: float = IN_FLIGHT_GRACE
    throttles: dict[str, Throttle] = field(default_factory=dict)
    windows: list[Window] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    # Calls inside a window but within `grace` of its start: let off, and shown, since a
    # growing number of them says the pause reaches other senders late.
    excused: list[Violation] = field(default_factory=list)
    clock: Callable[[], float] = time.monotonic

    def arrived(self, method: str, at: float, channel: str | None = None) -> None:
        """A call of `method` arrived at `at`: a violation if a window of it is open."""
        for window in self.windows:
            if window.method == method and window.start < at < window.end:
                late = at > window.start + self.grace
                (self.violations if late else self.excused).append(
                    Violation(method, at, window, channel))
                return

    def decide(self, method: str) -> int | None:
        throttle = self.throttles.get(method)
        return None if throttle is None else throttle.next_call()

    def answered(self, method: str, retry_after: int) -> None:
        """A 429 with `retry_after` goes out now: the window opens as it is answered."""
        now = self.clock()
        self.windows.append(Window(method, now, now + retry_after, retry_after))

    def of(self, method: str) -> tuple[list[Window], list[Violation]]:
        return ([w for w in self.windows if w.method == method],
                [v for v in self.violations if v.method == method])


@dataclass
class Hold:
    """A call that took effect (its message is in Slack) but whose answer is held back.

    `arrived` is set once the call is held; the answer goes out on `release()`, or never
    when the client goes away first (it was killed), which `outcome` then says.
    """

    method: str
    countdown: int  # successful calls of `method` to let through before holding one
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    args: dict[str, Any] | None = None
    outcome: str | None = None  # "released" or "disconnected"

    def release(self) -> None:
        self.released.set()

    async def wait(self, within: float = 10.0) -> dict[str, Any]:
        """Wait until a call is held; return its arguments."""
        async with asyncio.timeout(within):
            await self.arrived.wait()
        assert self.args is not None
        return self.args

    async def keep(self, gone: Callable[[], bool]) -> None:
        """Hold until released or until the client disconnects: the test server cancels the
        handler then, or (without handler cancellation) `gone()` says so."""
        self.arrived.set()
        try:
            while not self.released.is_set():
                if gone():
                    self.outcome = "disconnected"
                    return
                try:
                    async with asyncio.timeout(0.02):
                        await self.released.wait()
                except TimeoutError:
                    continue
        except asyncio.CancelledError:
            self.outcome = "disconnected"
            raise
        self.outcome = "released"


def retry_after_header(seconds: float) -> str:
    """Slack's Retry-After is whole seconds (slack-sdk reads it with `int`)."""
    return str(max(0, math.ceil(seconds)))


def metadata_of(value: Any) -> dict[str, Any] | None:
    """Message metadata as given to chat.postMessage: a JSON body's object, or a form's text."""
    if isinstance(value, str):
        value = json.loads(value) if value else None
    return value if isinstance(value, dict) else None


def prompt_id_of(message: dict[str, Any]) -> str | None:
    """Which rating prompt a posted message is: its metadata, else its score buttons' value.

    ratebot's prompts carry `{"event_type": "ratebot_prompt", "event_payload":
    {"prompt_id": ...}}`; before they did, a score button's value began "<prompt id>:".
    """
    metadata = message.get("metadata")
    if isinstance(metadata, dict) and metadata.get("event_type") == PROMPT_EVENT:
        payload = metadata.get("event_payload") or {}
        if payload.get("prompt_id") is not None:
            return str(payload["prompt_id"])
    for block in message.get("blocks") or ():
        if block.get("type") != "actions":
            continue
        for element in block.get("elements") or ():
            if str(element.get("action_id", "")).startswith("rate:"):
                return str(element.get("value", "")).split(":", 1)[0] or None
    return None


def flag(value: Any) -> bool:
    """A boolean argument as slack-sdk sends it: `1` in a query, `true` or true elsewhere."""
    return value is True or str(value).lower() in ("1", "true")


def shown_message(message: dict[str, Any], *, with_metadata: bool) -> dict[str, Any]:
    """A message as a history shows it: metadata only when asked for, as Slack does."""
    if with_metadata or "metadata" not in message:
        return message
    return {key: value for key, value in message.items() if key != "metadata"}


def history_page(messages: Mapping[tuple[str, str], dict[str, Any]],
                 args: Mapping[str, Any]) -> dict[str, Any]:
    """conversations.history: a channel's messages newest first, between `oldest` and
    `latest` (`inclusive` of both), `limit` at a time from `cursor`; their metadata only
    with `include_all_metadata`."""
    channel = str(args.get("channel", ""))
    oldest = float(args.get("oldest") or 0)
    latest = float(args.get("latest") or "inf")
    inclusive = flag(args.get("inclusive"))
    limit = min(max(int(args.get("limit") or 100), 1), 999)
    offset = int(args.get("cursor") or 0)

    def within(ts: str) -> bool:
        at = float(ts)
        return oldest <= at <= latest if inclusive else oldest < at < latest

    found = sorted(((ts, message) for (where, ts), message in messages.items()
                    if where == channel and within(ts)), key=lambda item: -float(item[0]))
    page = found[offset:offset + limit]
    with_metadata = flag(args.get("include_all_metadata"))
    answer: dict[str, Any] = {
        "messages": [shown_message(m, with_metadata=with_metadata) for _, m in page],
        "has_more": offset + limit < len(found),
    }
    if answer["has_more"]:
        answer["response_metadata"] = {"next_cursor": str(offset + limit)}
    return answer


# --------------------------------------------------------------------------- rate tiers
# Slack's documented Web API tiers, as calls a minute (with the burst this fake allows):
# Tier 2 "20+ per minute", Tier 3 "50+", Tier 4 "100+"; chat.postMessage is of the special
# tier: about one message a second per channel, short bursts allowed, under a workspace-
# wide limit whose figure Slack does not publish (`TierLimits.workspace_posts`).
TIER_2 = (20.0, 1)
TIER_3 = (50.0, 5)
TIER_4 = (100.0, 10)
SLACK_TIERS: dict[str, tuple[float, int]] = {
    "users.list": TIER_2,
    "users.lookupByEmail": TIER_3,
    "conversations.open": TIER_3,
    "users.info": TIER_4,
}
POST_PER_CHANNEL = (60.0, 1)


@dataclass
class Bucket:
    """A token bucket: `per_minute` calls a minute on average, `burst` at once."""

    per_minute: float
    burst: int
    tokens: float = -1.0
    updated: float = 0.0

    def wait(self, now: float) -> float:
        """Seconds until one call fits (0: it fits now); takes nothing."""
        if self.tokens < 0:
            self.tokens, self.updated = float(self.burst), now
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.per_minute / 60)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) * 60 / self.per_minute

    def take(self) -> None:
        self.tokens -= 1


@dataclass
class TierLimits:
    """Slack's rate tiers, enforced: a call over its method's (or channel's, or the
    workspace's) budget is answered 429 with Retry-After, in whole seconds as Slack does.

    Time may run `scale` times faster than the wall clock (a benchmark of minutes in
    seconds); every figure here is in that time. A call of a method arriving while a 429's
    window of it is still open is a violation (beyond `grace`, for calls already on the
    wire).
    """

    tiers: dict[str, tuple[float, int]] = field(default_factory=lambda: dict(SLACK_TIERS))
    post_per_channel: tuple[float, int] = POST_PER_CHANNEL
    workspace_posts: tuple[float, int] | None = None
    scale: float = 1.0
    grace: float = IN_FLIGHT_GRACE
    clock: Callable[[], float] = time.monotonic
    refused: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    _start: float = field(init=False)
    _buckets: dict[tuple[str, str], Bucket] = field(default_factory=dict)
    _windows: dict[tuple[str, str], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._start = self.clock()

    def now(self) -> float:
        """Seconds since the limits began, in their (scaled) time."""
        return (self.clock() - self._start) * self.scale

    def admit(self, method: str, channel: str | None) -> int | None:
        """Count one call: None to answer it, else the Retry-After to refuse it with."""
        now = self.now()
        scopes = self._scopes(method, channel)
        for scope in scopes:
            until = self._windows.get(scope)
            if until is not None and now < until - self.grace * self.scale:
                self.violations.append(f"{method} {until - now:.3f} s before its window ended")
        waits = [self._bucket(scope).wait(now) for scope in scopes]
        if max(waits, default=0.0) <= 0:
            for scope in scopes:
                self._bucket(scope).take()
            return None
        retry_after = max(1, math.ceil(max(waits)))
        for scope, wait in zip(scopes, waits, strict=True):
            if wait > 0:
                self._windows[scope] = now + retry_after
        self.refused[method] = self.refused.get(method, 0) + 1
        return retry_after

    def _scopes(self, method: str, channel: str | None) -> list[tuple[str, str]]:
        if method == "chat.postMessage":
            scopes = [(method, f"channel:{channel}")]
            if self.workspace_posts is not None:
                scopes.append((method, "workspace"))
            return scopes
        return [(method, "method")] if method in self.tiers else []

    def _bucket(self, scope: tuple[str, str]) -> Bucket:
        bucket = self._buckets.get(scope)
        if bucket is None:
            method, where = scope
            if method != "chat.postMessage":
                figures = self.tiers[method]
            elif where == "workspace":
                assert self.workspace_posts is not None
                figures = self.workspace_posts
            else:
                figures = self.post_per_channel
            bucket = self._buckets[scope] = Bucket(*figures)
        return bucket
