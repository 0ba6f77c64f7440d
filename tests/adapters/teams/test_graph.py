"""The Graph installer on its own, against the fake Graph and sign-in service over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.teams.graph import PERMISSION, GraphConfig, GraphInstaller, GraphRefused
from bot.ports.chat import TransientDeliveryError
from tests.fakes.clock import FakeClock
from tests.fakes.microsoft_graph import (
    CATALOG_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    FakeGraph,
    running_graph,
)

TENANT = "ce067f64-338d-44a0-89fb-7fc8973e254f"


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    async with running_graph() as running:
        yield running


def installer(graph: FakeGraph, clock: FakeClock, *, password: str = CLIENT_SECRET,
              catalog_id: str = CATALOG_ID) -> GraphInstaller:
    return GraphInstaller(GraphConfig(CLIENT_ID, password, catalog_id, graph_url=graph.graph_url,
                                      login_url=graph.url), clock)


async def test_one_token_serves_installs_until_shortly_before_it_expires(
    graph: FakeGraph, clock: FakeClock
) -> None:
    graph_installer = installer(graph, clock)
    try:
        assert await graph_installer.personal_chat(TENANT, "aad-1") == graph.chat_of("aad-1")
        assert await graph_installer.personal_chat(TENANT, "aad-2") == graph.chat_of("aad-2")
        assert len(graph.of("POST", "/oauth2/v2.0/token")) == 1
        clock.advance(seconds=3599 - 299)  # within five minutes of its end: renewed
        await graph_installer.personal_chat(TENANT, "aad-3")
        assert len(graph.of("POST", "/oauth2/v2.0/token")) == 2
    finally:
        await graph_installer.aclose()


async def test_a_wrong_password_is_refused_once_for_the_whole_tenant(
    graph: FakeGraph, clock: FakeClock
) -> None:
    graph_installer = installer(graph, clock, password="wrong")
    try:
        with pytest.raises(GraphRefused, match="MicrosoftAppPassword") as first:
            await graph_installer.personal_chat(TENANT, "aad-1")
        with pytest.raises(GraphRefused) as second:
            await graph_installer.personal_chat(TENANT, "aad-2")
        assert second.value.reason == first.value.reason
        assert len(graph.calls) == 1  # the second refusal asked nobody
        clock.advance(seconds=3601)  # an hour later, it is tried again
        with pytest.raises(GraphRefused):
            await graph_installer.personal_chat(TENANT, "aad-2")
        assert len(graph.calls) == 2
    finally:
        await graph_installer.aclose()


async def test_a_missing_permission_names_it(graph: FakeGraph, clock: FakeClock) -> None:
    graph.forbidden = True
    graph_installer = installer(graph, clock)
    try:
        with pytest.raises(GraphRefused, match=PERMISSION):
            await graph_installer.personal_chat(TENANT, "aad-1")
    finally:
        await graph_installer.aclose()


async def test_an_app_missing_from_the_catalog_fails_that_person_only(
    graph: FakeGraph, clock: FakeClock
) -> None:
    graph_installer = installer(graph, clock, catalog_id="not-in-the-catalog")
    try:
        with pytest.raises(GraphRefused, match="RATEBOT_TEAMS_APP_CATALOG_ID"):
            await graph_installer.personal_chat(TENANT, "aad-1")
        with pytest.raises(GraphRefused):
            await graph_installer.personal_chat(TENANT, "aad-2")
        assert len(graph.of("POST", "/teamwork/installedApps")) == 2  # not kept as a refusal
    finally:
        await graph_installer.aclose()


async def test_graph_out_of_reach_is_worth_another_try(clock: FakeClock) -> None:
    async with running_graph() as gone:
        config = GraphConfig(CLIENT_ID, CLIENT_SECRET, CATALOG_ID, graph_url=gone.graph_url,
                             login_url=gone.url)
    graph_installer = GraphInstaller(config, clock)  # the server is closed now
    try:
        with pytest.raises(TransientDeliveryError):
            await graph_installer.personal_chat(TENANT, "aad-1")
    finally:
        await graph_installer.aclose()
