"""PostgreSQL outages over real HTTP: 503 with Retry-After, `/readyz` 503, then recovery.

Each test has a database of its own (from the migrated template) and a login role of its
own for ratebot, flips that database into one outage class, sends real requests to a
served ratebot, flips it back, and checks that what was accepted is decided and that
nothing answered 503 was stored. Outages the shared server cannot be put into (starting
up, shutting down) come from a stand-in server that answers the connection with that
error, as PostgreSQL does.
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.engine import make_url

from adapters.helpdesk.generic import sign
from app.bootstrap import Ratebot
from tests.conftest import POSTGRES_ENV, POSTGRES_SKIP
from tests.e2e.slack.harness import BOT_TOKEN, SIGNING_SECRET, with_slack
from tests.e2e.slack.harness import sign as slack_sign
from tests.e2e.support import (
    CLOSE,
    SECRET,
    UNREACHABLE_POSTGRES,
    generic_ratebot,
    running,
    served,
    unreachable_ratebot,
)
from tests.e2e.teams.harness import teams_bot
from tests.e2e.teams.support import JAN
from tests.fakes.bot_connector import running_connector
from tests.fakes.clock import FakeClock
from tests.fakes.slack_api import FakeSlackApi

pytestmark = pytest.mark.faults

@pytest.fixture
def engine_name() -> str:
    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(POSTGRES_SKIP)
    return "postgres"


def admin_dsn(database: str | None = None) -> str:
    url = make_url(os.environ[POSTGRES_ENV])
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


@pytest.fixture
async def admin() -> AsyncIterator[asyncpg.Connection]:
    """A superuser session on the shared server's own database, to alter this test's."""
    connection = await asyncpg.connect(admin_dsn())
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
async def role(database_url: str, admin: asyncpg.Connection) -> AsyncIterator[str]:
    """A login role of ratebot's own: limits a superuser would slip past apply to it."""
    name = f"ratebot_fault_{uuid.uuid4().hex[:12]}"
    database = make_url(database_url).database
    await admin.execute(f'CREATE ROLE "{name}" LOGIN')
    await as_owner(
        database,
        f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{name}";'
        f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{name}"',
    )
    try:
        yield name
    finally:
        await as_owner(database, f'DROP OWNED BY "{name}"')
        await admin.execute(f'DROP ROLE "{name}"')


async def as_owner(database: str | None, statement: str) -> None:
    # Not held open: renaming the database needs nobody connected to it.
    connection = await asyncpg.connect(admin_dsn(database))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def database(database_url: str) -> str:
    name = make_url(database_url).database
    assert name is not None and name.startswith("ratebot_test_")  # never the shared one
    return name


@pytest.fixture
async def ratebot(
    database_url: str, role: str, clock: FakeClock
) -> AsyncIterator[Ratebot]:
    url = make_url(database_url).set(username=role).render_as_string(hide_password=False)
    async with running(generic_ratebot(url, clock)) as ratebot:
        yield ratebot


@pytest.fixture
async def client(ratebot: Ratebot) -> AsyncIterator[TestClient[Any, Any]]:
    async with served(ratebot) as client:
        yield client


async def post_close(client: TestClient[Any, Any], ticket: str) -> tuple[int, str | None]:
    body = json.dumps({**CLOSE, "ticket_id": ticket, "requester_email": f"{ticket}@x.org"})
    headers = {"X-Ratebot-Signature": sign(body.encode(), SECRET),
               "Content-Type": "application/json"}
    response = await client.post("/webhooks/generic", data=body, headers=headers)
    await response.read()
    return response.status, response.headers.get("Retry-After")


async def ready(client: TestClient[Any, Any]) -> int:
    response = await client.get("/readyz")
    await response.read()
    return response.status


async def stored(database_url: str) -> tuple[list[str], int]:
    """The tickets stored, and how many of them are decided; read as the superuser."""
    connection = await asyncpg.connect(database_url)
    try:
        tickets = await connection.fetch("SELECT external_id FROM conversations ORDER BY id")
        decided = await connection.fetchval("SELECT count(*) FROM prompts")
    finally:
        await connection.close()
    return [row[0] for row in tickets], int(decided)


async def cut_off(admin: asyncpg.Connection, role: str) -> None:
    """End ratebot's sessions, as a restart or a failover does: its next ones are new."""
    await admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role
    )


# The outages the shared server can be put into, each: how to start it, how to end it.
OUTAGES: dict[str, tuple[str, str]] = {
    # SQLSTATE 55000 at connect: "database ... is not currently accepting connections".
    "refuses connections": (
        'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false',
        'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true',
    ),
    # SQLSTATE 25006 on every write: a standby answering after a failover.
    "read only": (
        'ALTER DATABASE "{db}" SET default_transaction_read_only = on',
        'ALTER DATABASE "{db}" RESET default_transaction_read_only',
    ),
    # SQLSTATE 3D000 at connect: dropped, or not restored yet.
    "does not exist": (
        'ALTER DATABASE "{db}" RENAME TO "{db}_away"',
        'ALTER DATABASE "{db}_away" RENAME TO "{db}"',
    ),
    # SQLSTATE 53300 at connect: "too many connections for database".
    "too many connections": (
        'ALTER DATABASE "{db}" CONNECTION LIMIT 0',
        'ALTER DATABASE "{db}" CONNECTION LIMIT -1',
    ),
    # SQLSTATE 28000 at connect: ratebot's role may no longer log in.
    "login refused": ('ALTER ROLE "{role}" NOLOGIN', 'ALTER ROLE "{role}" LOGIN'),
}


@pytest.mark.parametrize("outage", sorted(OUTAGES))
async def test_an_outage_is_503_with_retry_after_then_everything_recovers(
    client: TestClient[Any, Any], ratebot: Ratebot, admin: asyncpg.Connection,
    database: str, database_url: str, role: str, outage: str,
) -> None:
    assert await post_close(client, "BEFORE") == (202, None)
    await ratebot.worker.settle()
    start, end = (sql.format(db=database, role=role) for sql in OUTAGES[outage])

    await cut_off(admin, role)  # the renaming needs nobody connected
    await admin.execute(start)
    try:
        await cut_off(admin, role)
        started = time.monotonic()
        for ticket in ("DURING-1", "DURING-2"):
            status, retry_after = await post_close(client, ticket)
            assert status == 503
            assert retry_after is not None and int(retry_after) > 0
        assert await ready(client) == 503
        assert (await client.get("/healthz")).status == 200
        assert time.monotonic() - started < 2.0  # refused at once, not after a timeout
    finally:
        await admin.execute(end)

    assert await ready(client) == 200
    for ticket in ("DURING-1", "DURING-2"):  # the senders retry
        assert await post_close(client, ticket) == (202, None)
    await ratebot.worker.settle()
    assert await stored(database_url) == (["BEFORE", "DURING-1", "DURING-2"], 3)


# Errors PostgreSQL raises in the middle of a statement: a trigger raises each with its real
# SQLSTATE, through the real driver, where the accept of a close runs.
MID_STATEMENT = {
    "53100": "disk full",
    "53200": "out of memory",
    "58030": "I/O error",
    "57P01": "terminating connection due to administrator command",
    "55P03": "lock not available",
}


@asynccontextmanager
async def raising_on_accept(database_url: str, sqlstate: str) -> AsyncIterator[None]:
    owner = await asyncpg.connect(database_url)
    try:
        await owner.execute(f"""
            CREATE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'injected fault' USING ERRCODE = '{sqlstate}'; END $$;
            CREATE TRIGGER fault BEFORE INSERT OR UPDATE ON conversations
            FOR EACH ROW EXECUTE FUNCTION fault();
        """)
        yield
    finally:
        await owner.execute("DROP TRIGGER fault ON conversations; DROP FUNCTION fault()")
        await owner.close()


@pytest.mark.parametrize("sqlstate", sorted(MID_STATEMENT))
async def test_a_server_side_outage_during_a_write_is_503_then_the_retry_is_accepted(
    client: TestClient[Any, Any], ratebot: Ratebot, database_url: str, sqlstate: str
) -> None:
    async with raising_on_accept(database_url, sqlstate):
        status, retry_after = await post_close(client, "T-1")
        assert status == 503
        assert retry_after is not None and int(retry_after) > 0
    assert await post_close(client, "T-1") == (202, None)
    await ratebot.worker.settle()
    assert await stored(database_url) == (["T-1"], 1)


async def test_an_error_of_the_query_itself_is_no_outage(
    client: TestClient[Any, Any], database_url: str
) -> None:
    # A retry cannot help a close the database refuses as such: 500, not "come back later".
    async with raising_on_accept(database_url, "22023"):
        status, retry_after = await post_close(client, "T-1")
    assert (status, retry_after) == (500, None)
    assert await stored(database_url) == ([], 0)


async def test_a_session_terminated_mid_request_is_503_and_the_next_one_reconnects(
    client: TestClient[Any, Any], ratebot: Ratebot, admin: asyncpg.Connection,
    database_url: str, role: str,
) -> None:
    # The close's insert checks its team's row, which another session holds meanwhile.
    holder = await asyncpg.connect(database_url)
    try:
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute("SELECT id FROM teams WHERE name = 'servicedesk' FOR UPDATE")
        request = asyncio.create_task(post_close(client, "T-1"))
        await until_waiting_on_a_lock(admin, role)
        await cut_off(admin, role)
        status, retry_after = await request
        await transaction.rollback()
    finally:
        await holder.close()
    assert status == 503 and retry_after is not None
    assert await post_close(client, "T-1") == (202, None)
    assert await ready(client) == 200


async def until_waiting_on_a_lock(admin: asyncpg.Connection, role: str) -> None:
    """Until ratebot's session waits for the held row: a real lock, checked, not a sleep."""
    deadline = time.monotonic() + 10
    while not await admin.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND wait_event_type = 'Lock'",
        role,
    ):
        assert time.monotonic() < deadline, "ratebot never waited for the held row"
        await asyncio.sleep(0.01)


# What PostgreSQL answers a new connection while it cannot take one (it sends it as the
# reply to the startup message, then hangs up).
REFUSALS = {
    "starting up": ("57P03", "the database system is starting up"),
    "shutting down": ("57P03", "the database system is shutting down"),
    "in recovery": ("57P03", "the database system is in recovery mode"),
    "too many clients": ("53300", "sorry, too many clients already"),
    "out of memory": ("53200", "out of memory"),
}


@asynccontextmanager
async def refusing_server(sqlstate: str, message: str) -> AsyncIterator[int]:
    """A stand-in for a PostgreSQL server that refuses connections; yields its port."""

    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                (length,) = struct.unpack("!i", await reader.readexactly(4))
                (code,) = struct.unpack("!i", (await reader.readexactly(length - 4))[:4])
                if code == 80877103:  # SSLRequest: no TLS here, go on in plain text
                    writer.write(b"N")
                    continue
                fields = b"".join(
                    kind + value.encode() + b"\0"
                    for kind, value in ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", sqlstate),
                                        (b"M", message))
                ) + b"\0"
                writer.write(b"E" + struct.pack("!i", len(fields) + 4) + fields)
                await writer.drain()
                return
        except asyncio.IncompleteReadError:
            return
        finally:
            writer.close()

    server = await asyncio.start_server(refuse, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@asynccontextmanager
async def ratebot_on(port: int, clock: FakeClock) -> AsyncIterator[TestClient[Any, Any]]:
    env = {
        "RATEBOT_DATABASE_URL": f"postgresql://ratebot@127.0.0.1:{port}/ratebot",
        "RATEBOT_WEBHOOK_SECRET": SECRET,
    }
    async with running(unreachable_ratebot(clock, env)) as ratebot, served(ratebot) as client:
        yield client


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
async def test_a_server_refusing_connections_is_503_with_retry_after(
    clock: FakeClock, refusal: str
) -> None:
    async with refusing_server(*REFUSALS[refusal]) as port, ratebot_on(port, clock) as client:
        started = time.monotonic()
        status, retry_after = await post_close(client, "T-1")
        assert status == 503 and retry_after is not None and int(retry_after) > 0
        assert await ready(client) == 503
        assert time.monotonic() - started < 2.0


async def test_a_refused_connection_is_503_with_retry_after(clock: FakeClock) -> None:
    async with refusing_server("57P03", "") as port:
        pass  # closed again: nothing listens on its port now
    async with ratebot_on(port, clock) as client:
        status, retry_after = await post_close(client, "T-1")
        assert status == 503 and retry_after is not None
        assert await ready(client) == 503


# ------------------------------------------------------------ every endpoint, the same answer


async def test_a_teams_message_is_503_with_retry_after_while_the_database_is_down(
    clock: FakeClock,
) -> None:
    async with running_connector() as connector, teams_bot(
        UNREACHABLE_POSTGRES, clock, connector
    ) as bot:
        teams = bot.teams
        activity = teams.base("message", JAN, teams.personal(JAN), text="help")
        response = await teams.client.post("/api/messages", json=activity, headers=teams.headers)
        assert response.status == 503
        assert int(response.headers["Retry-After"]) > 0


async def test_a_slack_event_is_503_with_retry_after_while_the_database_is_down(
    clock: FakeClock,
) -> None:
    async with FakeSlackApi.running() as api:
        env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
               "SLACK_API_URL": api.base_url}
        async with running(unreachable_ratebot(clock, env)) as ratebot:
            with_slack(ratebot)
            body = json.dumps({
                "type": "event_callback", "event_id": "Ev1", "team_id": "T111",
                "api_app_id": "A111",
                "event": {"type": "app_home_opened", "user": "UJAN", "tab": "home"},
            }).encode()
            headers = {"Content-Type": "application/json", **slack_sign(body)}
            async with served(ratebot) as client:
                response = await client.post("/slack/events", data=body, headers=headers)
                assert response.status == 503
                assert int(response.headers["Retry-After"]) > 0
