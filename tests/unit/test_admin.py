"""Team options as admins type them: parsed into field changes, or refused clearly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, time

import pytest

from bot.domain.errors import InvalidValue
from bot.domain.model import Anonymity, Team
from bot.domain.scales import Scale
from bot.flows.admin import DigestSchedule, check_team_name, parse_channel, parse_team_option
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
