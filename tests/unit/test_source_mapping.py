"""Routing a vendor close to its team: mapping, default team, or a 422 naming the group."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.errors import InvalidValue, UnknownTeam
from bot.domain.events import ConversationClosed
from bot.domain.mapping import GroupMapping, group_key
from bot.flows.source_mapping import (
    VENDOR_SOURCES,
    TeamRouter,
    UnmappedGroup,
    parse_group_ref,
)

AT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SOURCES = frozenset({"zendesk", "jira", "generic"})


class FakeSources:
    """Mappings in a dict, keyed like the store keys them."""

    def __init__(self, mappings: dict[tuple[str, str], str]) -> None:
        self.mappings = {
            (source, group_key(group)): team for (source, group), team in mappings.items()
        }
        self.lookups: list[tuple[str, str]] = []

    async def team_for_group(self, source: str, group: str) -> str | None:
        self.lookups.append((source, group))
        return self.mappings.get((source, group_key(group)))

    async def map_group(
        self, source: str, group: str, team: str, *, actor: str, at: datetime
    ) -> GroupMapping:
        self.mappings[(source, group_key(group))] = team
        return GroupMapping(source, group, team)

    async def unmap_group(self, source: str, group: str, *, actor: str, at: datetime) -> bool:
        return self.mappings.pop((source, group_key(group)), None) is not None

    async def group_mappings(self, source: str | None = None) -> list[GroupMapping]:
        return []


def close(source: str = "zendesk", group: str = "Service Desk") -> ConversationClosed:
    return ConversationClosed(
        source=source, ticket_id="1", requester_email="jan@example.com", team=group, closed_at=AT
    )


async def test_a_mapped_group_becomes_its_team() -> None:
    sources = FakeSources({("zendesk", "service desk"): "servicedesk"})
    router = TeamRouter(sources, default_team=None)
    routed = await router(close())
    assert routed == close(group="servicedesk")


async def test_an_unmapped_group_goes_to_the_default_team() -> None:
    router = TeamRouter(FakeSources({}), default_team="catchall")
    assert (await router(close())).team == "catchall"
    assert (await router(close(group=""))).team == "catchall"


async def test_without_a_default_an_unmapped_group_is_refused_by_name() -> None:
    router = TeamRouter(FakeSources({("jira", "ITSM"): "servicedesk"}), default_team="")
    with pytest.raises(UnmappedGroup) as caught:
        await router(close("zendesk", "Facilities"))
    assert isinstance(caught.value, UnknownTeam)  # the endpoint answers 422
    assert str(caught.value) == (
        "The zendesk group 'Facilities' is not mapped to a ratebot team. Map it with "
        "`ratebot teams map <team> zendesk:Facilities`, or set RATEBOT_DEFAULT_TEAM."
    )
    with pytest.raises(UnmappedGroup, match="has no group"):
        await router(close("zendesk", ""))


async def test_the_generic_webhook_names_its_team_itself() -> None:
    sources = FakeSources({("generic", "servicedesk"): "infra"})
    router = TeamRouter(sources, default_team="catchall")
    assert (await router(close("generic", "servicedesk"))).team == "servicedesk"
    assert sources.lookups == []


def test_a_group_reference_is_source_colon_group() -> None:
    assert parse_group_ref("zendesk:Service Desk", SOURCES) == ("zendesk", "Service Desk")
    assert parse_group_ref(" Jira : ITSM ", SOURCES) == ("jira", "ITSM")
    assert parse_group_ref("jira:IT: Hardware", SOURCES) == ("jira", "IT: Hardware")


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("Service Desk", "<source>:<group>"),
        ("zendesk:", "<source>:<group>"),
        ("freshdesk:Desk", "Unknown source 'freshdesk'"),
        ("zendesk:" + "x" * 201, "at most 200"),
    ],
)
def test_a_bad_group_reference_says_what_is_wrong(ref: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        parse_group_ref(ref, SOURCES)


def test_the_mappable_sources_are_the_vendor_sources_the_server_builds() -> None:
    from adapters.helpdesk.vendors import vendor_sources
    from app.platforms import vendor_secrets
    from app.settings import load_settings
    from tests.fakes.clock import FakeClock

    secrets = vendor_secrets(load_settings({}))
    built = {source.name for source in vendor_sources(secrets, FakeClock())}
    assert built == VENDOR_SOURCES
    assert parse_group_ref("github:acme/it") == ("github", "acme/it")
