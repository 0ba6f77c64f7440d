"""Real `ratebot serve` processes against the fake Slack, killed and restarted at will.

A `Fleet` is one database, one fake Slack Web API and any number of `ratebot serve`
processes (replicas) on it, each on a port of its own with its output in a file under
the test's `tmp_path`. The test closes tickets through signed generic webhooks, makes
Slack misbehave, kills and restarts replicas, waits (polling, bounded) for every prompt to
be settled, and then counts with `Fleet.tally()`: what was lost, what was sent twice and
which of Slack's Retry-After windows were not respected.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import urlencode

import aiohttp
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine
from storage.schema import conversations, prompts
from tests.e2e.slack.harness import sign as slack_signature
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_faults import Violation

ROOT = Path(__file__).resolve().parents[2]
TEAM = "servicedesk"
WEBHOOK_SECRET = "fault-injection-webhook-secret"
SIGNING_SECRET = "fault-injection-signing-secret"
BOT_TOKEN = "xoxb-fault-injection"
START_WITHIN = 30.0  # seconds for `serve` to answer /healthz (imports on a busy machine)
STOP_WITHIN = 20.0  # SIGTERM lets the batch in flight finish; after this, SIGKILL
LOG_TAIL = 25  # lines of each replica's output shown with a failed assertion
DELIVERED = frozenset({"sent", "answered"})  # an answered prompt was sent first
SETTLED = DELIVERED | {"skipped", "failed", "expired"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def noon_timezone(now: datetime | None = None) -> str:
    """A fixed-offset zone where it is now about noon: working hours "mon-sun 00:00-23:59"
    leave a minute out at midnight, and a prompt must never wait for it."""
    hour = (now or datetime.now(UTC)).hour
    offset = 12 - hour  # from -11 to +12: every one is an Etc zone
    if offset == 0:
        return "Etc/GMT"
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # Etc signs are inverted


def dm_channel(person: Person) -> str:
    """The fake Slack's direct message channel with `person`."""
    return "D" + person.user_id[1:]


def sign(body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Person:
    user_id: str
    email: str


@dataclass(frozen=True, slots=True)
class Ticket:
    ticket_id: str
    person: Person

    def body(self) -> bytes:
        return json.dumps({
            "ticket_id": self.ticket_id, "requester_email": self.person.email, "team": TEAM,
            "subject": "Fault injection", "closed_at": datetime.now(UTC).isoformat(),
        }).encode()


@dataclass(frozen=True, slots=True)
class PromptRow:
    ticket_id: str
    prompt_id: int | None  # None: the close is not decided yet
    status: str | None
    reason: str | None
    attempts: int


@dataclass
class Replica:
    """One `ratebot serve` process (started again after each stop) and its output file."""

    name: str
    port: int
    env: dict[str, str]
    workdir: Path
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    starts: int = 0
    kills: int = 0
    _log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self) -> None:
        """Start `ratebot serve` and wait until `/healthz` answers."""
        assert not self.running, f"{self.name} is running already"
        self.starts += 1
        self._log = self.log_path.open("ab")
        self._log.write(f"----- {self.name}: start {self.starts}\n".encode())
        self._log.flush()
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.cli.main", "serve", cwd=self.workdir, env=self.env,
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_WITHIN
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if not self.running:
                    await self._reap()
                    raise AssertionError(f"{self.name} exited while starting\n{self.tail()}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with session.get(self.url + "/healthz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.05)
        await self.kill()
        raise AssertionError(f"{self.name} did not answer /healthz\n{self.tail()}")

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no finishing anything; whatever was in flight stays so."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.kills += 1
        await self._reap()

    async def stop(self, within: float = STOP_WITHIN) -> int | None:
        """SIGTERM, as an orchestrator stops a replica; SIGKILL if it takes too long."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.process.wait(), timeout=within)
        code = self.process.returncode if self.process is not None else None
        await self.kill()
        return code

    async def restart(self) -> None:
        await self.kill()
        await self.start()

    async def _reap(self) -> None:
        if self.process is not None:
            await self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def tail(self, lines: int = LOG_TAIL) -> str:
        if not self.log_path.exists():
            return f"[{self.name}: no output]"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(f"[{self.name}] {line}" for line in text[-lines:])


@dataclass
class Tally:
    """What one run did: per close, was its prompt sent once, never, or more than once?"""

    closes: int
    rows: dict[str, PromptRow]
    deliveries: Counter[str | None]
    violations: list[Violation]
    excused: list[Violation]  # calls just after a 429, possibly under way before it
    windows: int
    waited: float
    timed_out: bool

    @property
    def lost(self) -> list[str]:
        """Closes whose prompt is not sent in the database or reached nobody in Slack."""
        return sorted(
            ticket for ticket, row in self.rows.items()
            if row.status not in DELIVERED or self.deliveries[str(row.prompt_id)] == 0
        )

    @property
    def duplicated(self) -> dict[str, int]:
        """Prompt id: how many messages it was posted as, for those posted more than once."""
        return {str(pid): n for pid, n in sorted(self.deliveries.items(), key=str)
                if pid is not None and n > 1}

    @property
    def strays(self) -> int:
        """Direct messages that belong to no close of this run (or to no prompt at all)."""
        ours = {str(row.prompt_id) for row in self.rows.values()}
        return sum(n for pid, n in self.deliveries.items() if pid not in ours)

    @property
    def extra_messages(self) -> int:
        return sum(n - 1 for n in self.duplicated.values())

    def __str__(self) -> str:
        statuses = Counter(row.status or "undecided" for row in self.rows.values())
        lines = [
            f"{self.closes} closes: {len(self.lost)} lost, {self.extra_messages} duplicated "
            f"messages ({len(self.duplicated)} prompts sent more than once), {self.strays} "
            f"stray messages, {len(self.violations)} Retry-After violations "
            f"(of {self.windows} 429 windows; {len(self.excused)} calls let off as under "
            f"way when a 429 was answered); prompt statuses {dict(statuses)}; "
            f"{'gave up waiting' if self.timed_out else 'settled'} after {self.waited:.1f} s",
        ]
        if self.lost:
            lines.append("lost: " + ", ".join(
                f"{t} (prompt {self.rows[t].prompt_id} {self.rows[t].status}"
                f" {self.rows[t].reason or ''}, "
                f"{self.deliveries[str(self.rows[t].prompt_id)]} messages)"
                for t in self.lost[:10]))
        if self.duplicated:
            lines.append("sent more than once (prompt id: messages): " + ", ".join(
                f"{pid}: {n}" for pid, n in list(self.duplicated.items())[:15]))
        lines.extend(f"violation: {violation}" for violation in self.violations[:10])
        return "\n".join(lines)


@dataclass
class Fleet:
    """ratebot replicas on one database, talking to one fake Slack; see the module doc."""

    tmp_path: Path
    database_url: str
    slack: FakeSlackApi
    settings: dict[str, str] = field(default_factory=dict)
    replicas: list[Replica] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    _engine: AsyncEngine | None = None
    _people: int = 0
    _started: float = field(default_factory=time.monotonic)

    def env(self, port: int, overrides: Mapping[str, str]) -> dict[str, str]:
        zone = noon_timezone()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "RATEBOT_DATABASE_URL": self.database_url,
            "RATEBOT_HOST": "127.0.0.1",
            "RATEBOT_PORT": str(port),
            "RATEBOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "RATEBOT_TIMEZONE": zone,
            "RATEBOT_WORKING_HOURS": "mon-sun 00:00-23:59",
            "RATEBOT_COOLDOWN_DAYS": "0",
            "RATEBOT_MAX_ATTEMPTS": "50",
            "RATEBOT_DELIVERY_INTERVAL_SECONDS": "0.2",
            "RATEBOT_DELIVERY_LEASE_SECONDS": "2",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": self.slack.base_url,
        }
        env.update(self.settings)
        env.update(overrides)
        return env

    def replica(self, **overrides: str) -> Replica:
        """A replica not started yet (`await replica.start()`); `overrides` are settings."""
        name = f"replica-{len(self.replicas) + 1}"
        port = free_port()
        workdir = self.tmp_path / name
        workdir.mkdir()
        made = Replica(name, port, self.env(port, overrides), workdir,
                       self.tmp_path / f"{name}.log")
        self.replicas.append(made)
        return made

    async def add_team(self) -> None:
        """`ratebot teams add servicedesk`, as an admin sets ratebot up."""
        await self.cli("teams", "add", TEAM, "--display-name", "Service Desk")

    async def cli(self, *args: str) -> None:
        """Run `ratebot ARGS...` on the fleet's database; it must succeed."""
        log = self.tmp_path / "cli.log"
        with log.open("ab") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "app.cli.main", *args, cwd=self.tmp_path,
                env=self.env(free_port(), {}), stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT,
            )
            code = await asyncio.wait_for(process.wait(), timeout=START_WITHIN)
        assert code == 0, f"ratebot {' '.join(args)} failed:\n{log.read_text()}"

    def people(self, count: int) -> list[Person]:
        """`count` people Slack knows by email, each with a direct message of their own."""
        made = []
        for _ in range(count):
            self._people += 1
            user_id, email = f"UF{self._people:04d}", f"person{self._people:04d}@example.com"
            self.slack.add_user(user_id, email, f"Person {self._people}", tz=noon_timezone())
            made.append(Person(user_id, email))
        return made

    def new_tickets(self, count: int) -> list[Ticket]:
        """`count` closes to come, each of a different person."""
        made = [Ticket(f"INC-{len(self.tickets) + n + 1:04d}", person)
                for n, person in enumerate(self.people(count))]
        self.tickets.extend(made)
        return made

    async def close(self, replica: Replica, tickets: Iterable[Ticket]) -> None:
        """Send each ticket's signed close to `replica`; every one must be accepted (202)."""
        async with aiohttp.ClientSession() as session:

            async def send(ticket: Ticket) -> tuple[str, int, str]:
                body = ticket.body()
                headers = {"Content-Type": "application/json", "X-Ratebot-Signature": sign(body)}
                async with session.post(replica.url + "/webhooks/generic", data=body,
                                        headers=headers) as response:
                    return ticket.ticket_id, response.status, await response.text()

            answers = await asyncio.gather(*(send(ticket) for ticket in tickets))
        refused = [answer for answer in answers if answer[1] != 202]
        assert not refused, f"closes refused: {refused[:5]}\n{self.logs()}"

    async def click(self, replica: Replica, person: Person, score: int) -> int:
        """`person` clicks `score` in their newest prompt, as Slack posts it (signed)."""
        channel = dm_channel(person)
        ts, message = max(((ts, m) for (c, ts), m in self.slack.messages.items()
                           if c == channel), key=lambda found: float(found[0]))
        action_id = f"rate:{score}"
        value = next(element["value"] for block in message["blocks"]
                     if block["type"] == "actions" for element in block["elements"]
                     if element["action_id"] == action_id)
        user = {"id": person.user_id, "username": person.user_id.lower(),
                "name": person.user_id.lower(), "team_id": "T111"}
        payload = {
            "type": "block_actions", "user": user, "api_app_id": "A111", "token": "legacy",
            "container": {"type": "message", "message_ts": ts, "channel_id": channel,
                          "is_ephemeral": False},
            "trigger_id": f"{time.time_ns()}.111.trigger",
            "team": {"id": "T111", "domain": "example"}, "enterprise": None,
            "is_enterprise_install": False, "channel": {"id": channel, "name": "directmessage"},
            "message": message, "state": {"values": {}},
            "response_url": "https://hooks.slack.com/actions/T111/1/x",
            "actions": [{"action_id": action_id, "block_id": "rate", "type": "button",
                         "value": value, "action_ts": f"{time.time():.6f}"}],
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   **slack_signature(body, secret=SIGNING_SECRET)}
        async with aiohttp.ClientSession() as session, session.post(
            replica.url + "/slack/events", data=body, headers=headers
        ) as response:
            await response.read()
            return response.status

    # ------------------------------------------------------------------ the database

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            self._engine = create_engine(self.database_url)
        return self._engine

    async def rows(self) -> dict[str, PromptRow]:
        """Every close of this run and its prompt as the database has it now."""
        query = (
            sa.select(conversations.c.external_id, prompts.c.id, prompts.c.status,
                      prompts.c.reason, prompts.c.attempts)
            .select_from(conversations.outerjoin(
                prompts, prompts.c.conversation_id == conversations.c.id))
            .where(conversations.c.source == "generic")
        )
        async with self.engine.connect() as connection:
            found = {
                row.external_id: PromptRow(row.external_id, row.id, row.status, row.reason,
                                           row.attempts or 0)
                for row in await connection.execute(query)
            }
        return {t.ticket_id: found.get(t.ticket_id, PromptRow(t.ticket_id, None, None, None, 0))
                for t in self.tickets}

    async def wait_for_rows(self, ready: Callable[[dict[str, PromptRow]], bool],
                            within: float) -> bool:
        """Poll the database until `ready(rows)`; False when `within` seconds ran out."""
        deadline = time.monotonic() + within
        while True:
            if ready(await self.rows()):
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.1)

    async def settle(self, within: float) -> Tally:
        """Wait until every close's prompt is settled (sent or given up), stop every replica
        (SIGTERM: what they still had in flight reaches Slack first), and count."""
        started = time.monotonic()
        settled = await self.wait_for_rows(
            lambda rows: all(row.status in SETTLED for row in rows.values()), within)
        waited = time.monotonic() - started
        for replica in self.replicas:
            await replica.stop()
        return Tally(
            closes=len(self.tickets), rows=await self.rows(),
            deliveries=self.slack.deliveries("D"), violations=self.slack.violations,
            excused=list(self.slack.limits.excused),
            windows=len(self.slack.windows), waited=waited, timed_out=not settled,
        )

    def report(self, tally: Tally) -> str:
        calls = Counter(call.method for call in self.slack.calls)
        runs = ", ".join(f"{r.name} started {r.starts}, killed {r.kills} times"
                         for r in self.replicas)
        return f"{tally}\nSlack calls: {dict(calls)}; {runs}\n{self.logs()}"

    def assert_exactly_once(self, tally: Tally) -> None:
        """Every close reached its person exactly once, and the database says it was sent."""
        self.count(tally)
        once = not tally.lost and not tally.duplicated and not tally.strays
        assert once, self.report(tally)

    def assert_retry_after_obeyed(self, tally: Tally) -> None:
        """No call reached Slack inside a Retry-After window of its method, from anyone."""
        self.count(tally)
        obeyed = not tally.violations
        assert obeyed, self.report(tally)

    def count(self, tally: Tally) -> None:
        """Add the run's figures to `RATEBOT_FAULT_TALLY` (a JSON-lines file), when it is set.

        Repeated runs of the suite then give the counts over all of them.
        """
        path = os.environ.get("RATEBOT_FAULT_TALLY")
        if not path:
            return
        figures = {
            "test": os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0],
            "closes": tally.closes, "lost": len(tally.lost),
            "duplicated": sum(n - 1 for n in tally.duplicated.values()),
            "strays": tally.strays, "windows": tally.windows,
            "violations": len(tally.violations), "excused": len(tally.excused),
            "kills": sum(replica.kills for replica in self.replicas),
        }
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(figures) + "\n")

    def logs(self) -> str:
        return "\n".join(replica.tail() for replica in self.replicas)

    async def aclose(self) -> None:
        for replica in self.replicas:
            await replica.kill()
        if self._engine is not None:
            await self._engine.dispose()


@contextlib.asynccontextmanager
async def fleet_on(tmp_path: Path, database_url: str, **settings: str) -> AsyncIterator[Fleet]:
    """A fake Slack and a database with the team set up; no replica started yet.

    On the way out every replica still running is killed and waited for.
    """
    async with FakeSlackApi.running(real_time=True) as slack:
        fleet = Fleet(tmp_path, database_url, slack, dict(settings))
        try:
            await fleet.add_team()
            yield fleet
        finally:
            await fleet.aclose()
