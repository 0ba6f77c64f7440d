"""`POST /api/messages` through the real botbuilder libraries: references, traps, auth."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes

from adapters.teams.app import TeamsConfig, make_adapter
from adapters.teams.inbound import tenant_of
from app.platforms import check_bind, teams_enabled
from app.settings import SettingsError, load_settings
from storage.engine import create_engine
from storage.schema import teams_conversations
from storage.store import SqlStore
from tests.e2e.support import unchanged
from tests.e2e.teams.harness import TeamsBotUnderTest, teams_bot
from tests.e2e.teams.support import ALERT_CHANNEL, JAN, PIET, TEAM_ID, TENANT, fixture
from tests.fakes.bot_connector import FakeConnector
from tests.fakes.clock import FakeClock


async def test_installation_stores_the_personal_reference_with_the_tenant(
    bot: TeamsBotUnderTest, database_url: str
) -> None:
    activity = fixture("teams_installation_update_personal.json")
    activity["serviceUrl"] = bot.teams.connector.url
    status, _ = await bot.teams.post(activity)
    assert status == 200

    # A second store on the same database: the reference lives in the database.
    other = SqlStore(create_engine(database_url))
    try:
        person = await other.find_person(teams_user_id=activity["from"]["id"])
        assert person is not None
        assert person.teams_aad_object_id == activity["from"]["aadObjectId"]
        stored = await other.teams_personal_conversation(person.id)
    finally:
        await other.close()
    assert stored is not None
    assert stored.conversation_id == activity["conversation"]["id"]
    assert stored.tenant_id == TENANT
    reference = json.loads(stored.reference)
    assert reference["conversation"]["tenantId"] == TENANT
    assert reference["serviceUrl"] == bot.teams.connector.url
    assert "activityId" not in reference  # a proactive send starts a new message


async def test_the_schema_loses_the_tenant_and_the_adapter_takes_it_from_channel_data() -> None:
    activity = fixture("teams_installation_update_personal.json")
    parsed = Activity().deserialize(activity)
    assert parsed.conversation.tenant_id is None  # botbuilder-schema 4.17 reads "tenantID"
    assert tenant_of(parsed) == TENANT


async def test_adding_the_bot_to_a_channel_stores_the_channel_and_its_team(
    bot: TeamsBotUnderTest,
) -> None:
    status, _ = await bot.teams.add_bot_to_channel(ALERT_CHANNEL, PIET)
    assert status == 200
    store = bot.services.store
    stored = await store.teams_conversation(ALERT_CHANNEL)
    assert stored is not None
    assert stored.kind == "channel"
    assert stored.team_id == TEAM_ID
    assert stored.person_id is None
    assert [c.team_id for c in await store.teams_team_conversations(TENANT)] == [TEAM_ID]


async def test_every_message_refreshes_the_reference(bot: TeamsBotUnderTest) -> None:
    status, _ = await bot.teams.say(JAN, "hello")
    assert status == 200
    person = await bot.services.store.find_person(teams_user_id=JAN.teams_id)
    assert person is not None
    stored = await bot.services.store.teams_personal_conversation(person.id)
    assert stored is not None and stored.conversation_id == JAN.chat


async def test_cloud_adapter_process_answers_a_card_invoke_with_500_and_ours_with_200(
    bot: TeamsBotUnderTest, connector: FakeConnector
) -> None:
    """The trap: `CloudAdapter.process` serializes the invoke body twice."""
    adapter = make_adapter(TeamsConfig())
    body = {"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive",
            "value": {"type": "AdaptiveCard", "version": "1.5", "body": []}}

    class Bot:
        async def on_turn(self, context: TurnContext) -> None:
            await context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                                 value=InvokeResponse(status=200, body=body)))

    async def sdk_handler(request: web.Request) -> web.Response:
        response: web.Response | None = await adapter.process(request, Bot())
        assert response is not None
        return response

    app = web.Application()
    app.router.add_post("/api/messages", sdk_handler)
    invoke = fixture("teams_invoke_adaptive_card_action.json")
    invoke["serviceUrl"] = connector.url
    async with TestClient(TestServer(app, host="127.0.0.1")) as sdk_client:
        sdk_response = await sdk_client.post("/api/messages", json=invoke)
        assert sdk_response.status == 500

    # Our endpoint, same invoke shape: a 200 with a card (here: the refusal of a bad button).
    status, answer = await bot.teams.post(invoke)
    assert status == 200
    assert answer["statusCode"] == 200
    assert answer["type"] in ("application/vnd.microsoft.card.adaptive",
                              "application/vnd.microsoft.activity.message")


async def test_bad_requests_are_refused(bot: TeamsBotUnderTest) -> None:
    client = bot.teams.client
    response = await client.post("/api/messages", data="x", headers={"Content-Type": "text/plain"})
    assert response.status == 415
    response = await client.post("/api/messages", data="{not json",
                                 headers={"Content-Type": "application/json"})
    assert response.status == 400
    response = await client.post("/api/messages", json={"text": "no type"})
    assert response.status == 400


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic abc"])
async def test_with_an_app_id_an_unauthenticated_request_is_refused_and_nothing_recorded(
    database_url: str, clock: FakeClock, connector: FakeConnector, authorization: str | None
) -> None:
    environ = {"MicrosoftAppId": "8d88f59b-ae61-4300-bec0-caace7d28446",
               "MicrosoftAppPassword": "secret"}
    async with teams_bot(database_url, clock, connector, environ) as bot:
        if authorization is not None:
            bot.teams.headers["Authorization"] = authorization
        activity = fixture("teams_installation_update_personal.json")
        activity["serviceUrl"] = connector.url
        status, _ = await bot.teams.post(activity)
        assert status == 401
        status, _ = await bot.teams.say(JAN, "ratings stats")
        assert status == 401
        engine = bot.services.store.engine  # type: ignore[attr-defined]
        async with engine.connect() as connection:
            count = (await connection.execute(
                sa.select(sa.func.count()).select_from(teams_conversations))).scalar_one()
        assert count == 0
        assert await bot.services.store.find_person(teams_user_id=JAN.teams_id) is None
    assert connector.calls == []


async def test_an_activity_from_another_tenant_is_refused(
    database_url: str, clock: FakeClock, connector: FakeConnector
) -> None:
    async with teams_bot(database_url, clock, connector,
                         {"MicrosoftAppTenantId": "another-tenant"}) as bot:
        status, _ = await bot.teams.say(JAN, "ratings stats")
        assert status == 403
        assert await bot.services.store.find_person(teams_user_id=JAN.teams_id) is None
    assert connector.calls == []


def test_teams_is_served_with_an_app_id_or_when_slack_is_not_set_up() -> None:
    slack = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    assert teams_enabled(load_settings({}))
    assert teams_enabled(load_settings({**slack, "MicrosoftAppId": "id"}))
    assert not teams_enabled(load_settings(slack))
    check_bind(load_settings({**slack, "RATEBOT_HOST": "0.0.0.0"}))  # no Teams endpoint


def test_without_an_app_id_serving_beyond_loopback_is_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(SettingsError, match="MicrosoftAppId"):
        check_bind(load_settings({"RATEBOT_HOST": "0.0.0.0"}))
    check_bind(load_settings({"RATEBOT_HOST": "127.0.0.1"}))
    assert "unauthenticated" in caplog.text
    check_bind(load_settings({"RATEBOT_HOST": "::1"}))
    check_bind(load_settings({"RATEBOT_HOST": "0.0.0.0", "MicrosoftAppId": "id"}))



# ---------------------------------------------------------------- garbage at the door

JSON = "application/json"
APP_ID = {"MicrosoftAppId": "8d88f59b-ae61-4300-bec0-caace7d28446",
          "MicrosoftAppPassword": "secret"}
NOT_ACTIVITIES = [
    pytest.param(b"\xff\xfe{}", id="invalid-utf8"),
    pytest.param(b'{"type": "message", "text": "\xc3\x28"}', id="invalid-utf8-in-a-string"),
    pytest.param(b"{not json", id="not-json"),
    pytest.param(b"[]", id="a-list"),
    pytest.param(b"null", id="null"),
    pytest.param(b'"message"', id="a-string"),
    pytest.param(b"[" * 100_000, id="deeply-nested"),
    pytest.param(b'{"text": "no type"}', id="no-type"),
    pytest.param(b'{"type": ""}', id="empty-type"),
    pytest.param(b'{"type": 5}', id="numeric-type"),
    pytest.param(b'{"type": "message", "from": "x"}', id="from-a-string"),
    pytest.param(b'{"type": "message", "conversation": []}', id="conversation-a-list"),
    pytest.param(b'{"type": "message", "timestamp": "soon"}', id="timestamp-not-a-time"),
    pytest.param(b'{"type": "message", "entities": "x"}', id="entities-not-a-list"),
    pytest.param(b'{"type": "message", "membersAdded": [1]}', id="members-not-accounts"),
    pytest.param(b'{"type": "message", "serviceUrl": "http://127.0.0.1:9/", "channelId": "x",'
                 b' "from": {"id": "29:a"}, "text": "ratings stats"}', id="no-conversation"),
    pytest.param(b'{"type": "message", "channelId": "x", "conversation": {"id": "a:1"},'
                 b' "from": {"id": "29:a"}, "text": "ratings stats"}', id="no-service-url"),
    pytest.param(b'{"type": "message", "channelId": "x", "conversation": {"id": "a:1"},'
                 b' "serviceUrl": -14660, "from": {"id": "29:a"}, "text": "ratings stats"}',
                 id="service-url-not-a-url"),
    pytest.param(b'{"type": "message", "channelId": "x", "conversation": {"id": "a:1"},'
                 b' "serviceUrl": "http://]127.0.0.1:1/", "from": {"id": "29:a"}}',
                 id="service-url-unparsable"),
]


async def refused_with(client: TestClient[Any, Any], body: bytes, content_type: str = JSON,
                       headers: dict[str, str] | None = None) -> int:
    # aiohttp's client warns about sending large raw bytes from the event loop.
    data = io.BytesIO(body) if len(body) > 1024 * 1024 else body
    response = await client.post("/api/messages", data=data,
                                 headers={"Content-Type": content_type, **(headers or {})})
    await response.read()
    return response.status


@pytest.mark.parametrize("body", NOT_ACTIVITIES)
async def test_a_body_that_is_not_an_activity_is_400_never_500(
    bot: TeamsBotUnderTest, database_url: str, connector: FakeConnector,
    caplog: pytest.LogCaptureFixture, body: bytes,
) -> None:
    async with unchanged(database_url):
        assert await refused_with(bot.teams.client, body) == 400
    assert connector.calls == []
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize("body", NOT_ACTIVITIES)
async def test_with_an_app_id_garbage_is_refused_and_the_auth_still_holds(
    database_url: str, clock: FakeClock, connector: FakeConnector, body: bytes
) -> None:
    async with teams_bot(database_url, clock, connector, APP_ID) as bot, unchanged(database_url):
        assert await refused_with(bot.teams.client, body) in (400, 401)
        assert await refused_with(bot.teams.client, body,
                                  headers={"Authorization": "Bearer forged"}) in (400, 401)
    assert connector.calls == []


async def test_a_huge_body_is_413_and_a_wrong_content_type_415(
    bot: TeamsBotUnderTest, database_url: str
) -> None:
    huge = json.dumps({"type": "message", "text": "x" * (2 * 1024 * 1024)}).encode()
    async with unchanged(database_url):
        assert await refused_with(bot.teams.client, huge) == 413
        assert await refused_with(bot.teams.client, b"{}", "text/plain") == 415
        assert await refused_with(bot.teams.client, b"{}", "application/jsonp") == 415


@pytest.mark.parametrize("bad", ["\x00", "\ud800"])
async def test_an_activity_with_text_the_database_cannot_store_is_400_naming_it(
    bot: TeamsBotUnderTest, database_url: str, connector: FakeConnector, bad: str
) -> None:
    activity = bot.teams.base("message", JAN, bot.teams.personal(JAN), text="ratings optout")
    activity["from"] = {**activity["from"], "name": "Jan" + bad}
    async with unchanged(database_url):
        response = await bot.teams.client.post("/api/messages", json=activity)
        assert response.status == 400
        assert (await response.json())["error"].startswith("from.name: contains ")
    assert connector.calls == []
    # A real message from the same person is handled as ever.
    status, _ = await bot.teams.say(JAN, "ratings optout")
    assert status == 200


@pytest.mark.parametrize(("field", "limit"), [
    (("conversation", "conversationType"), 16), (("from", "name"), 200),
    (("from", "aadObjectId"), 64), (("locale",), 35),
])
async def test_text_longer_than_its_column_is_400_naming_it(
    bot: TeamsBotUnderTest, database_url: str, connector: FakeConnector,
    caplog: pytest.LogCaptureFixture, field: tuple[str, ...], limit: int,
) -> None:
    activity = bot.teams.base("message", JAN, bot.teams.personal(JAN), text="ratings optout")
    target = activity
    for part in field[:-1]:
        target = target[part]
    target[field[-1]] = "x" * (limit + 1)
    async with unchanged(database_url):
        response = await bot.teams.client.post("/api/messages", json=activity)
        assert response.status == 400
        assert (await response.json())["error"] == (
            f"{'.'.join(field)}: longer than {limit} characters"
        )
    assert connector.calls == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
