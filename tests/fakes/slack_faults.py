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
