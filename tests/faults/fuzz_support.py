"""What the fuzz tests share: a bounded profile, hostile bodies, and a probe judging answers.

Each fuzz test serves one ratebot on a database of its own. Hypothesis draws the bodies
in a thread of its own and hands each to the test's event loop, where the server, its
store and the probe's record of the database live across all examples. The probe holds
the rule every endpoint must keep: no 5xx but 503, nothing stored for a refusal, and
nothing logged at ERROR.
"""

from __future__ import annotations

import asyncio
import copy
import io
import json
import logging
import os
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine
from storage.schema import metadata
from tests.e2e.support import Rows

T = TypeVar("T")
Json = Any

# Reproducible in CI (the same bodies every run); locally each run explores new ones.
CI = os.environ.get("CI") == "true"
EXAMPLES = int(os.environ.get("RATEBOT_FUZZ_EXAMPLES", "100"))
settings.register_profile(
    "ratebot-fuzz",
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=CI,
    database=None,
    print_blob=True,
    # One server per test serves every example on purpose; big bodies are the point.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.large_base_example],
)
FUZZ = settings.get_profile("ratebot-fuzz")

# ---------------------------------------------------------------- hostile values

NASTY_TEXT = [
    "\x00", "a\x00b@example.com", "\ud800", "x\udfff", "\udbff\udbff", "\ud83d",
    "\u202eevil", "line\nbreak\r\n", "\x1b[2J", "\x7f\x85\u2028", "", "   ", "\t",
    "x" * 201, "x" * 501, "x" * 70_000, "é" * 300, "\U0001f4a5" * 80, "%00", "\\u0000",
    "<@U123>", "<!channel>", "'; DROP TABLE teams; --", "null", "NaN", "@", "a@b",
    "jan@example.com", "JAN@EXAMPLE.COM", "servicedesk", "Service Desk", "closed",
    "reopened", "solved", "done", "6", "0", "-1", "9" * 40,
]
EXTREME_TIMES = [
    "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z", "2026-02-30T10:00:00Z", "2026-11-24T25:61:00Z", "2026-11-24",
    "2026-11-24T10:00:00", "1e309", "+275760-09-13T00:00:00Z", "2026-11-24T10:00:00+24:00",
]

nasty = st.sampled_from(NASTY_TEXT + EXTREME_TIMES)
hostile_text = st.one_of(nasty, nasty, nasty, st.text(max_size=40))
scalars = st.one_of(
    hostile_text,
    hostile_text,
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),
    st.booleans(),
    st.none(),
)
junk: st.SearchStrategy[Json] = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(hostile_text, children, max_size=4),
    max_leaves=10,
)
# Deep enough to hurt a recursive reader; shallow enough for json.dumps on this side.
deep = st.integers(min_value=50, max_value=400).map(lambda depth: _nested(depth))
hostile_value = scalars | junk | deep


def _nested(depth: int) -> Json:
    value: Json = "\x00"
    for _ in range(depth):
        value = [value]
    return value


def _places(document: Json, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key and index in `document`, as paths from the top."""
    items: list[tuple[Any, Json]] = []
    if isinstance(document, dict):
        items = list(document.items())
    elif isinstance(document, list):
        items = list(enumerate(document))
    for key, value in items:
        yield (*path, key)
        yield from _places(value, (*path, key))


@st.composite
def mutated(draw: st.DrawFn, valid: dict[str, Json]) -> Json:
    """`valid` with one to three of its fields replaced by hostile values or removed."""
    document = copy.deepcopy(valid)
    places = list(_places(valid))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        *parents, last = draw(st.sampled_from(places))
        container: Json = document
        for part in parents:
            try:
                container = container[part]
            except (KeyError, IndexError, TypeError):
                break
        if isinstance(container, dict) or (
            isinstance(container, list) and isinstance(last, int) and last < len(container)
        ):
            if draw(st.integers(min_value=0, max_value=5)) == 0 and isinstance(container, dict):
                container.pop(last, None)
            else:
                container[last] = draw(hostile_value)
    if draw(st.integers(min_value=0, max_value=5)) == 0:
        document[draw(hostile_text)] = draw(hostile_value)
    return document


def encoded(document: Json, *, ascii_only: bool) -> bytes:
    # Unpaired surrogates go out as \\udXXX escapes, or (not ASCII) as their raw bytes.
    return json.dumps(document, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def json_bodies(documents: st.SearchStrategy[Json]) -> st.SearchStrategy[bytes]:
    return st.builds(lambda document, ascii_only: encoded(document, ascii_only=ascii_only),
                     documents, st.booleans())


# Over every endpoint's limit (64 KiB for webhooks, 1 MiB for the chat platforms).
HUGE = b'{"type": "message", "text": "' + b"x" * (1024 * 1024) + b'"}'
RAW = [
    b"", b"null", b"[]", b"{}", b"5", b'"x"', b"{not json", b"[" * 100_000, b"{" * 50_000,
    b'{"a":' * 10_000, b"\xff\xfe\x00{", b"\xef\xbb\xbf{}", b'{"t": "\xed\xa0\x80"}',
    b"payload=%7B", b"payload=%5B1%5D", b"payload=null", b"a=%00&b=%ff", HUGE,
]


def sendable(body: bytes) -> bytes | io.BytesIO:
    """What to hand aiohttp's client: it warns about large raw bytes sent from the loop."""
    return io.BytesIO(body) if len(body) > 1024 * 1024 else body


def raw_bodies(valid: bytes) -> st.SearchStrategy[bytes]:
    """Bytes that are not JSON, or not UTF-8: cut, spliced, random, form-encoded."""
    at = st.integers(min_value=0, max_value=len(valid))
    return st.one_of(
        st.sampled_from(RAW),
        st.binary(max_size=300),
        at.map(lambda n: valid[:n]),
        st.tuples(at, st.binary(min_size=1, max_size=4)).map(
            lambda cut: valid[: cut[0]] + cut[1] + valid[cut[0] :]
        ),
        st.dictionaries(st.text(max_size=10), hostile_text, max_size=4).map(
            lambda fields: urlencode(fields, errors="surrogatepass").encode()
        ),
        st.just(valid.decode("utf-8").encode("utf-16")),
    )


def hostile_bodies(valid: dict[str, Json]) -> st.SearchStrategy[bytes]:
    """Mostly `valid` with fields made hostile; also random JSON and broken bytes."""
    documents = mutated(valid)
    return st.one_of(
        json_bodies(documents), json_bodies(documents), json_bodies(junk),
        raw_bodies(json.dumps(valid).encode()),
    )


# ---------------------------------------------------------------- running and judging


def run_examples(
    loop: asyncio.AbstractEventLoop, strategy: st.SearchStrategy[T],
    attempt: Callable[[T], Coroutine[Any, Any, None]],
) -> None:
    """Draw from `strategy` under the fuzz profile and run `attempt` on `loop` for each.

    Call it in a thread of its own (`asyncio.to_thread`) while `loop` waits for it: the
    server and the store stay on their loop, hypothesis blocks on each example's result.
    """

    @FUZZ
    @given(strategy)
    def example(value: T) -> None:
        asyncio.run_coroutine_threadsafe(attempt(value), loop).result()

    example()


# The app's loggers and its SDKs'. Not aiohttp's server: for ratebot's own server its
# errors are 500s, judged as such; the rest are the fakes' (a fake connector refusing the
# 70 KB conversation id a hostile activity made the bot reply to).
_APP_LOGGERS = ("adapters", "bot", "storage", "slack_bolt", "slack_sdk", "botbuilder",
                "botframework", "msrest")


def _ours(record: logging.LogRecord) -> bool:
    return record.name.split(".")[0] in _APP_LOGGERS


@dataclass
class Probe:
    """Judges each answer against the database, and counts what was tried.

    It reads the whole database after every answer, as `tests.e2e.support.snapshot`
    does, but on one engine held for the run: a new engine per read would cost more
    than the request being judged.
    """

    database_url: str
    caplog: pytest.LogCaptureFixture
    # Called after a request was accepted, to finish what it started (settling, replies).
    settle: Callable[[], Awaitable[None]]
    # ERROR lines that are the right answer to a hostile body (see each test).
    tolerated: Callable[[logging.LogRecord], bool] = lambda record: False
    statuses: Counter[int] = field(default_factory=Counter)
    state: Rows | None = None
    _engine: AsyncEngine | None = None

    @property
    def tried(self) -> int:
        return sum(self.statuses.values())

    async def __aenter__(self) -> Probe:
        self.caplog.set_level(logging.WARNING)
        self._engine = create_engine(self.database_url)
        self.state = await self.rows()
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._engine is not None:
            await self._engine.dispose()

    async def rows(self) -> Rows:
        """Every row of every table, in a stable order."""
        assert self._engine is not None, "use the probe in `async with`"
        found: Rows = {}
        async with self._engine.connect() as connection:
            for table in metadata.sorted_tables:
                result = await connection.execute(
                    sa.select(table).order_by(*table.primary_key.columns)
                )
                found[table.name] = [dict(row._mapping) for row in result]
        return found

    async def judge(self, status: int, what: bytes) -> None:
        self.statuses[status] += 1
        assert status < 500 or status == 503, f"{status} for {what[:300]!r}"
        if 400 <= status < 500:
            # A refusal leaves every row of every table as it was.
            assert await self.rows() == self.state, (
                f"{status} but something was stored, for {what[:300]!r}"
            )
        else:
            await self.settle()
            self.state = await self.rows()
        errors = [r for r in self.caplog.records
                  if r.levelno >= logging.ERROR and _ours(r) and not self.tolerated(r)]
        # Cleared for the next body: each is judged by what it logged itself.
        self.caplog.clear()
        assert not errors, f"logged at ERROR for {what[:300]!r}: {errors[0].getMessage()}"

    def report(self, request: pytest.FixtureRequest) -> None:
        """The count of bodies tried, by answer, in the test's report (not printed)."""
        request.node.user_properties.append(("bodies", self.tried))
        for status, count in sorted(self.statuses.items()):
            request.node.user_properties.append((f"answered {status}", count))

    def assert_enough(self) -> None:
        # Hypothesis may stop early when it has seen every distinct body it can make.
        assert self.tried >= min(EXAMPLES, 20), dict(self.statuses)
        assert sum(n for status, n in self.statuses.items() if 400 <= status < 500), (
            "no body was refused: the fuzzer is not reaching the door"
        )
