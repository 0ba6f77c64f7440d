"""Team options as admins type them: parsed into field changes, or refused clearly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, time

import pytest

from bot.domain.errors import InvalidValue
from bot.domain.hints import Surface
from bot.domain.model import Anonymity, Team
from bot.domain.scales import Scale
from bot.flows.admin import (
    DigestSchedule,
    add_exclusion,
    check_team_name,
    option_changed,
    parse_channel,
    parse_team_option,
    remove_exclusion,
)
from bot.flows.admin import set_team_option as set_option
from bot.services import Services
from tests.fakes.clock import FakeClock


@pytest.mark.parametrize(
    ("option", "value", "field", "parsed"),
    [
        ("scale", "CSAT", "scale", Scale.CSAT),
        ("scale", "thumbs", "scale", Scale.THUMBS),
        ("question", "  How did   we do? ", "question", "How did we do?"),
        ("question", "default", "question", None),
        ("anonymity", "confidential", "anonymity", Anonymity.CONFIDENTIAL),
        ("anonymous", "yes", "anonymity", Anonymity.ANONYMOUS),
        ("anonymous", "off", "anonymity", Anonymity.IDENTIFIED),
        ("throttle", "30", "cooldown_days", 30),
        ("throttle", "0", "cooldown_days", 0),
        ("throttle", "default", "cooldown_days", None),
        ("expiry", "3 days", "expiry_days", 3),
        ("sample", "25%", "sample_percent", 25),
        ("delay", "10080", "send_delay_minutes", 10080),
        ("timezone", "Europe/Amsterdam", "timezone", "Europe/Amsterdam"),
        ("timezone", "default", "timezone", None),
        ("digest", "Monday 9:00", "digest_schedule", "mon 09:00"),
        ("digest", "fri 16:30 Europe/Brussels", "digest_schedule", "fri 16:30 Europe/Brussels"),
        ("digest", "default", "digest_schedule", "mon 09:00"),
        ("SCALE", "nps", "scale", Scale.NPS),
    ],
)
def test_options_parse(option: str, value: str, field: str, parsed: object) -> None:
    assert parse_team_option(option, value) == (field, parsed)


@pytest.mark.parametrize(
    ("option", "value", "allowed"),
    [
        ("scale", "stars", "nps, csat, ces, thumbs"),
        ("anonymity", "secret", "identified, confidential, anonymous"),
        ("throttle", "400", "from 0 to 365 or 'default'"),
        ("throttle", "-1", "from 0 to 365"),
        ("expiry", "0", "from 1 to 60"),
        ("expiry", "default", "from 1 to 60"),
        ("sample", "101", "from 1 to 100"),
        ("delay", "soon", "from 0 to 10080"),
        ("timezone", "Mars/Olympus", "IANA name"),
        ("digest", "someday 09:00", "not a weekday"),
        ("digest", "mon 25:00", "not a time of day"),
        ("digest", "mon 09:00 Nowhere/City", "not a timezone"),
        ("question", "x" * 301, "1-300 characters"),
    ],
)
def test_bad_values_name_option_value_and_what_is_allowed(
    option: str, value: str, allowed: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_team_option(option, value)
    message = str(caught.value)
    assert option in message
    assert value[:20] in message
    assert allowed in message


@pytest.mark.parametrize(
    ("typed", "closest"),
    [("scael", "scale"), ("anonymus", "anonymous"), ("expiri", "expiry"),
     ("digest-chanel", "digest-channel"), ("throtle", "throttle")],
)
def test_unknown_option_names_the_closest(typed: str, closest: str) -> None:
    with pytest.raises(InvalidValue, match=f"Did you mean '{closest}'"):
        parse_team_option(typed, "x")


def test_unknown_option_without_anything_close_lists_the_options() -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_team_option("colour", "blue")
    assert "Did you mean" not in str(caught.value)
    assert "scale" in str(caught.value) and "alert-channel" in str(caught.value)


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("digest-channel", "C0123ABCD", ("slack", "digest", "C0123ABCD")),
        ("alert-channel", "<#C0456DEF|it-alerts>", ("slack", "alert", "C0456DEF")),
        ("help-channel", "slack <#G0789|help>", ("slack", "help", "G0789")),
        ("alert-channel", "none", ("slack", "alert", None)),
    ],
)
def test_channels_are_normalised(
    option: str, value: str, expected: tuple[str, str, str | None]
) -> None:
    assert parse_channel(option, value) == expected


@pytest.mark.parametrize(
    "value", ["#general", "general", "teams C0123", "slack", "U0123ABC", "<#C0123", "c0123"]
)
def test_bad_channels_are_refused(value: str) -> None:
    with pytest.raises(InvalidValue, match="alert-channel"):
        parse_channel("alert-channel", value)


@pytest.mark.parametrize("name", ["servicedesk", "app-dev", "l2", "team-42-infra"])
def test_slugs_are_team_names(name: str) -> None:
    assert check_team_name(name) == name


@pytest.mark.parametrize(
    ("name", "hint"),
    [("Service Desk", "Try 'service-desk'"), ("a", ""), ("-infra", "Try 'infra'"),
     ("x" * 33, ""), ("app_dev", "Try 'app-dev'")],
)
def test_other_names_are_refused_with_the_rules(name: str, hint: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        check_team_name(name)
    assert "2-32 lowercase letters, digits and dashes" in str(caught.value)
    assert hint in str(caught.value)


def test_digest_schedule_reads_back() -> None:
    schedule = DigestSchedule.parse("thursday 08:05 America/New_York")
    assert (schedule.weekday, schedule.at, schedule.timezone) == (3, time(8, 5),
                                                                  "America/New_York")
    assert str(schedule) == "thu 08:05 America/New_York"
    assert DigestSchedule.parse(str(schedule)) == schedule


class TeamOptionStore:
    """Just the two store calls `set_team_option` makes, recorded."""

    def __init__(self) -> None:
        self.team = Team(id=1, name="servicedesk", display_name="Service Desk")
        self.calls: list[tuple[str, object, str, datetime]] = []

    async def update_team(
        self, name: str, changes: Mapping[str, object], *, actor: str, at: datetime
    ) -> Team:
        self.calls.append((name, dict(changes), actor, at))
        self.team = replace(self.team, **changes)  # type: ignore[arg-type]
        return self.team

    async def set_team_channel(
        self, name: str, platform: str, purpose: str, ref: str | None, *, actor: str,
        at: datetime,
    ) -> Team:
        self.calls.append((name, (platform, purpose, ref), actor, at))
        return self.team


async def test_set_team_option_passes_the_change_actor_and_time(clock: FakeClock) -> None:
    store = TeamOptionStore()
    services = Services(store=store, clock=clock)  # type: ignore[arg-type]
    team = await set_option(services, "servicedesk", "Scale", "csat", actor="cli:jan")
    assert team.scale is Scale.CSAT
    await set_option(services, "servicedesk", "alert-channel", "<#C99|x>", actor="cli:jan")
    assert store.calls == [
        ("servicedesk", {"scale": Scale.CSAT}, "cli:jan", clock.now()),
        ("servicedesk", ("slack", "alert", "C99"), "cli:jan", clock.now()),
    ]


async def test_a_bad_value_changes_nothing(clock: FakeClock) -> None:
    store = TeamOptionStore()
    services = Services(store=store, clock=clock)  # type: ignore[arg-type]
    with pytest.raises(InvalidValue):
        await set_option(services, "servicedesk", "sample", "0", actor="cli:jan")
    assert store.calls == []


def test_a_bad_timezone_is_quoted_once() -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_team_option("timezone", "Mars/Base")
    assert str(caught.value) == (
        "'Mars/Base' is not a valid timezone: use an IANA name like Europe/Amsterdam, "
        "or 'default'."
    )


def test_a_channel_name_is_refused_with_the_form_each_surface_can_use() -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_channel("digest-channel", "#it-digest")
    refusal = caught.value
    # Chat resolves "#" into the channel's id, so chat may suggest picking it that way...
    assert "pick the channel with #" in str(refusal)
    # ...the command line can't, so it is shown the id form only, never "#".
    cli = refusal.for_surface(Surface.CLI)
    assert cli.startswith("'#it-digest' is not a valid digest-channel: give the channel's id")
    assert "C0123ABCD" in cli and "pick the channel with #" not in cli
    assert "'#channel'" not in cli and cli.endswith("or 'none' to clear it.")


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("question", "How did we do?", "Set question of servicedesk to “How did we do?”"),
        ("display-name", "IT Desk", "Set display-name of servicedesk to “IT Desk”."),
        ("Scale", "csat", "Set scale of servicedesk to csat."),
        ("sample", "50%", "Set sample of servicedesk to 50%."),
    ],
)
def test_the_confirmation_ends_once(option: str, value: str, said: str) -> None:
    assert option_changed("servicedesk", option, value) == said


class ExclusionStore:
    """The exclusions as the store keeps them: a set of normalised patterns."""

    def __init__(self, *stored: str) -> None:
        self.patterns = set(stored)

    async def add_exclusion(self, pattern: str, *, actor: str, at: datetime) -> bool:
        added = pattern not in self.patterns
        self.patterns.add(pattern)
        return added

    async def remove_exclusion(self, pattern: str, *, actor: str, at: datetime) -> bool:
        removed = pattern in self.patterns
        self.patterns.discard(pattern)
        return removed


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("CEO@Example.com", "ceo@example.com"),
        ("@Contractor.example", "@contractor.example"),
        # The asking rules match a person's domain as "@domain": "*@" is read the same way.
        ("*@contractor.example", "@contractor.example"),
    ],
)
async def test_an_exclusion_is_an_email_or_a_domain(
    clock: FakeClock, typed: str, stored: str
) -> None:
    store = ExclusionStore()
    services = Services(store=store, clock=clock)  # type: ignore[arg-type]
    assert await add_exclusion(services, typed, actor="cli:jan")
    assert store.patterns == {stored}
    assert await remove_exclusion(services, typed, actor="cli:jan")
    assert store.patterns == set()


@pytest.mark.parametrize(
    "typed", ["***", "*", "U0123ABC", "@", "@localhost", "contractor.example", "a b@c.d", ""]
)
async def test_an_exclusion_that_could_never_match_is_refused(
    clock: FakeClock, typed: str
) -> None:
    store = ExclusionStore()
    services = Services(store=store, clock=clock)  # type: ignore[arg-type]
    with pytest.raises(InvalidValue, match="is not an exclusion"):
        await add_exclusion(services, typed, actor="cli:jan")
    assert store.patterns == set()


async def test_an_exclusion_stored_before_the_check_can_still_be_removed(
    clock: FakeClock,
) -> None:
    store = ExclusionStore("***", "*@old.example")
    services = Services(store=store, clock=clock)  # type: ignore[arg-type]
    assert await remove_exclusion(services, "***", actor="cli:jan")
    assert await remove_exclusion(services, "*@old.example", actor="cli:jan")
    assert store.patterns == set()
    assert not await remove_exclusion(services, "***", actor="cli:jan")
