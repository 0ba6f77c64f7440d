"""Admin actions shared by the command line and the chat `/ratings` grammar."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import reasons  # the questions after the score
from bot.domain.errors import InvalidValue, NotFound
from bot.domain.hints import Hint
from bot.domain.hours import DAYS
from bot.domain.identity import PersonIdentity
from bot.domain.mapping import GroupMapping
from bot.domain.model import Anonymity, Person, Team
from bot.domain.reminders import parse_reminder
from bot.domain.scales import Scale
from bot.domain.texts import LOCALES

if TYPE_CHECKING:  # `ratebot --help` lists the team options without loading the services
    from bot.services import Services

TEAM_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$")
# A bare id, or Slack's escaped channel mention as it arrives in a slash command.
SLACK_CHANNEL = re.compile(
    r"(?P<id>[CG][A-Z0-9]{2,})|<#(?P<mention>[CG][A-Z0-9]{2,})(?:\|[^>]*)?>"
)
DEFAULT_DIGEST = "mon 09:00"
CHANNEL_PLATFORMS = ("slack",)  # Teams channels are registered from inside Teams
CLEAR_WORDS = ("none", "off", "clear", "-")


# --------------------------------------------------------------------------- values

@dataclass(frozen=True, slots=True)
class DigestSchedule:
    """When a team's weekly digest is posted: a weekday, a time, maybe a timezone."""

    weekday: int  # 0 = Monday
    at: time
    timezone: str | None = None  # None: the team's timezone, else the global default

    @classmethod
    def parse(cls, text: str) -> DigestSchedule:
        """Read "mon 09:00" or "monday 9:00 Europe/Amsterdam"; raise ValueError."""
        parts = text.strip().split()
        if len(parts) not in (2, 3):
            raise ValueError("expected a weekday and a time, like 'mon 09:00'")
        day, clock = parts[0].lower()[:3], parts[1]
        if day not in DAYS or not parts[0].lower().startswith(day):
            raise ValueError(f"'{parts[0]}' is not a weekday (mon, tue, ... sun)")
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", clock)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(f"'{clock}' is not a time of day like 09:00")
        zone = parse_timezone(parts[2]) if len(parts) == 3 else None
        return cls(DAYS.index(day), time(int(match[1]), int(match[2])), zone)

    def __str__(self) -> str:
        text = f"{DAYS[self.weekday]} {self.at:%H:%M}"
        return f"{text} {self.timezone}" if self.timezone else text


def parse_timezone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"'{text}' is not a timezone (use an IANA name like Europe/Amsterdam)"
        ) from None
    return text


def parse_slack_channel(text: str) -> str | None:
    """A channel id from "C0123ABC" or Slack's escaped mention "<#C0123ABC|name>"; else None."""
    match = SLACK_CHANNEL.fullmatch(text.strip())
    return str(match["id"] or match["mention"]) if match else None


def check_team_name(name: str) -> str:
    if TEAM_NAME.fullmatch(name):
        return name
    suggestion = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:32].strip("-")
    hint = f" Try '{suggestion}'." if len(suggestion) >= 2 and suggestion != name else ""
    raise InvalidValue(
        f"'{name}' can't be a team name: use 2-32 lowercase letters, digits and dashes, "
        f"starting and ending with a letter or digit (like 'servicedesk').{hint}"
    )


def check_email(email: str) -> str:
    cleaned = email.strip().lower()
    if not EMAIL.fullmatch(cleaned):
        raise InvalidValue(f"'{email}' is not an email address.")
    return cleaned


# --------------------------------------------------------------------------- team options

# Each parser turns the typed value into a field change; ValueError says what is allowed.
Parser = Callable[[str], object]


def _choice(allowed: dict[str, object]) -> Parser:
    def parse(text: str) -> object:
        key = text.strip().lower()
        if key not in allowed:
            raise ValueError(f"use one of {', '.join(allowed)}")
        return allowed[key]

    return parse


def _number(low: int, high: int, unit: str, *, default: bool = False) -> Parser:
    def parse(text: str) -> object:
        cleaned = text.strip().lower()
        if default and cleaned == "default":
            return None
        cleaned = cleaned.removesuffix("%").removesuffix(unit).strip()
        if not re.fullmatch(r"\d+", cleaned) or not low <= int(cleaned) <= high:
            extra = " or 'default'" if default else ""
            raise ValueError(f"use a whole number of {unit} from {low} to {high}{extra}")
        return int(cleaned)

    return parse


def _question(text: str) -> object:
    cleaned = " ".join(text.split())
    if cleaned.lower() == "default":
        return None
    if not 1 <= len(cleaned) <= 300:
        raise ValueError("use 1-300 characters, or 'default' for the scale's own question")
    return cleaned


def _display_name(text: str) -> object:
    cleaned = " ".join(text.split())
    if not 1 <= len(cleaned) <= 80:
        raise ValueError("use 1-80 characters")
    return cleaned


def _timezone(text: str) -> object:
    cleaned = text.strip()
    if cleaned.lower() == "default":
        return None
    try:
        return parse_timezone(cleaned)
    except ValueError:
        # The refusal already quotes the value: "'Mars/Base' is not a valid timezone: ..."
        raise ValueError(
            "use an IANA name like Europe/Amsterdam, or 'default'"
        ) from None


def _locale(text: str) -> object:
    cleaned = text.strip().lower()
    if cleaned == "default":
        return None
    if cleaned not in LOCALES:
        raise ValueError(f"use {', '.join(LOCALES)}, or 'default'")
    return cleaned


def _digest(text: str) -> object:
    cleaned = text.strip()
    return DEFAULT_DIGEST if cleaned.lower() == "default" else str(DigestSchedule.parse(cleaned))


_ANONYMITY: dict[str, object] = {
    **{level.value: level for level in Anonymity},
    "yes": Anonymity.ANONYMOUS, "on": Anonymity.ANONYMOUS, "true": Anonymity.ANONYMOUS,
    "no": Anonymity.IDENTIFIED, "off": Anonymity.IDENTIFIED, "false": Anonymity.IDENTIFIED,
}

# option -> (Team field, parser)
TEAM_OPTIONS: dict[str, tuple[str, Parser]] = {
    "scale": ("scale", _choice({scale.value: scale for scale in Scale})),
    "question": ("question", _question),
    "anonymity": ("anonymity", _choice(_ANONYMITY)),
    "anonymous": ("anonymity", _choice(_ANONYMITY)),
    "throttle": ("cooldown_days", _number(0, 365, "days", default=True)),
    "cooldown": ("cooldown_days", _number(0, 365, "days", default=True)),
    "expiry": ("expiry_days", _number(1, 60, "days")),
    "sample": ("sample_percent", _number(1, 100, "percent")),
    "delay": ("send_delay_minutes", _number(0, 10080, "minutes")),
    "reminder": ("reminder_minutes", parse_reminder),  # off, 2d, 36h: once, if unanswered
    "timezone": ("timezone", _timezone),
    "digest": ("digest_schedule", _digest),
    "display-name": ("display_name", _display_name),
    # The language of the team's digests and alerts; 'default' follows RATEBOT_LOCALE.
    "locale": ("locale", _locale),
    "coaching": ("coaching", _choice({"on": True, "off": False})),  # agents, privately
    "mutual": ("mutual", _choice({"on": True, "off": False})),  # agents rate requests, apart
    "reasons": ("reasons", reasons.parse_setting), "lost-time": ("lost_time", reasons.on_off),
    # Months kept before the daily retention job removes them; 0 keeps them forever.
    "retention-comments": ("retention_comment_months", _number(0, 1200, "months", default=True)),
    "retention-identities": ("retention_identity_months", _number(0, 1200, "months", default=True)),
    "retention-prompts": ("retention_prompt_months", _number(0, 1200, "months", default=True)),
}
CHANNEL_OPTIONS = {"digest-channel": "digest", "alert-channel": "alert", "help-channel": "help"}
ALL_OPTIONS = (*TEAM_OPTIONS, *CHANNEL_OPTIONS)

FREE_TEXT_OPTIONS = frozenset({"question", "display-name"})


def option_changed(team: str, option: str, value: str) -> str:
    """The confirmation of `teams set`: one sentence, whatever the value ends with."""
    name = option.strip().lower()
    shown = f"“{value}”" if name in FREE_TEXT_OPTIONS else value
    # "... to How did we do?." read badly: a value that ends a sentence ends this one.
    end = "" if value.rstrip().endswith((".", "?", "!", "…")) else "."
    return f"Set {name} of {team} to {shown}{end}"


def parse_team_option(option: str, value: str) -> tuple[str, object]:
    """(Team field, parsed value) for a `teams set` option; raise `InvalidValue`."""
    name = option.strip().lower()
    if name in CHANNEL_OPTIONS:
        raise InvalidValue(f"'{name}' names a channel; set it with set_team_option.")
    if name not in TEAM_OPTIONS:
        raise _unknown_option(name)
    field, parse = TEAM_OPTIONS[name]
    try:
        return field, parse(value)
    except ValueError as exc:
        raise InvalidValue(f"'{value}' is not a valid {name}: {exc}.") from None


def parse_channel(option: str, value: str) -> tuple[str, str, str | None]:
    """(platform, purpose, channel ref or None to clear) for a `*-channel` option."""
    purpose = CHANNEL_OPTIONS[option]
    words = value.split()
    if len(words) == 2 and words[0].lower() in CHANNEL_PLATFORMS:
        platform, ref = words[0].lower(), words[1]
    elif len(words) == 1:
        platform, ref = "slack", words[0]
    else:
        raise _not_a_channel(value, option)
    if ref.lower() in CLEAR_WORDS:
        return platform, purpose, None
    channel = parse_slack_channel(ref)
    if channel is None:
        raise _not_a_channel(value, option)
    return platform, purpose, channel


def _not_a_channel(value: str, option: str) -> InvalidValue:
    # Chat turns "#it-digest" into the channel's id before it gets here; the command line
    # gets the name as typed and can't look it up, so each is told its own way.
    return InvalidValue(
        f"'{value}' is not a valid {option}:",
        hint=Hint.to("{hint}, or 'none' to clear it.", "channel.slack"),
    )


def _unknown_option(name: str) -> InvalidValue:
    close = difflib.get_close_matches(name, ALL_OPTIONS, n=1, cutoff=0.5)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return InvalidValue(
        f"'{name}' is not a team option.{hint} Options: {', '.join(ALL_OPTIONS)}."
    )


async def set_team_option(
    services: Services, team: str, option: str, value: str, *, actor: str
) -> Team:
    """Change one team option from the words an admin typed."""
    name = option.strip().lower()
    now = services.clock.now()
    if name in CHANNEL_OPTIONS:
        platform, purpose, ref = parse_channel(name, value)
        return await services.store.set_team_channel(
            team, platform, purpose, ref, actor=actor, at=now
        )
    field, parsed = parse_team_option(name, value)
    return await services.store.update_team(team, {field: parsed}, actor=actor, at=now)


# --------------------------------------------------------------------------- teams and people


async def add_team(
    services: Services, name: str, *, display_name: str | None = None, actor: str
) -> Team:
    check_team_name(name)
    if display_name is not None:
        display_name = str(_checked("display-name", display_name, _display_name))
    return await services.store.add_team(
        name, display_name=display_name, actor=actor, at=services.clock.now()
    )


async def remove_team(services: Services, name: str, *, actor: str) -> list[GroupMapping]:
    """Remove a team; return the helpdesk group mappings that went with it."""
    return await services.store.remove_team(name, actor=actor, at=services.clock.now())


async def add_agent(
    services: Services, team: str, email: str, *, name: str | None = None, actor: str
) -> Person:
    identity = PersonIdentity(email=check_email(email), display_name=name)
    return await services.store.add_agent(team, identity, actor=actor, at=services.clock.now())


async def remove_agent(services: Services, team: str, email: str, *, actor: str) -> bool:
    """True when removed, False when they were not an agent of `team`."""
    return await services.store.remove_agent(
        team, check_email(email), actor=actor, at=services.clock.now()
    )


async def add_admin(services: Services, identifier: str, *, actor: str) -> bool:
    """True when added, False when already an admin."""
    return await services.store.add_admin(
        admin_identifier(identifier), actor=actor, at=services.clock.now()
    )


async def remove_admin(services: Services, identifier: str, *, actor: str) -> bool:
    return await services.store.remove_admin(
        admin_identifier(identifier), actor=actor, at=services.clock.now()
    )


async def add_exclusion(services: Services, pattern: str, *, actor: str) -> bool:
    """Exclude an email or a pattern like '*@contractor.example' from being asked."""
    return await services.store.add_exclusion(
        _pattern(pattern), actor=actor, at=services.clock.now()
    )


async def remove_exclusion(services: Services, pattern: str, *, actor: str) -> bool:
    # An entry stored before patterns were checked ('***', '*@x') is removed as typed.
    now, typed = services.clock.now(), pattern.strip()
    try:
        if await services.store.remove_exclusion(_pattern(pattern), actor=actor, at=now):
            return True
    except InvalidValue:
        pass
    return bool(typed) and await services.store.remove_exclusion(typed, actor=actor, at=now)


async def opt_out(services: Services, email: str) -> Person:
    """Never ask this person again; works before they were ever asked too."""
    person = await services.store.upsert_person(PersonIdentity(email=check_email(email)))
    return await services.store.set_opted_out(person.id, True, at=services.clock.now())


async def opt_in(services: Services, email: str) -> Person:
    person = await services.store.find_person(email=check_email(email))
    if person is None:
        raise NotFound(f"Nobody with the email {email.strip()} is known.")
    return await services.store.set_opted_out(person.id, False, at=services.clock.now())


async def forget(services: Services, email: str, *, actor: str) -> int:
    """Erase a person; their ratings stay without a person. Returns how many stayed."""
    return await services.store.forget_person(
        check_email(email), actor=actor, at=services.clock.now()
    )


def _checked(option: str, value: str, parse: Parser) -> object:
    try:
        return parse(value)
    except ValueError as exc:
        raise InvalidValue(f"'{value}' is not a valid {option}: {exc}.") from None


def admin_identifier(text: str) -> str:
    """An admin as `admins add` and RATEBOT_ADMINS take it: an email (any case) or a user id."""
    cleaned = text.strip()
    if not cleaned or any(ch.isspace() for ch in cleaned):
        raise InvalidValue(f"'{text}' is not an email or a platform user id.")
    return cleaned.lower() if "@" in cleaned else cleaned


def _pattern(text: str) -> str:
    """An email, or '@domain' for everyone there ('*@domain' is read the same way).

    Nothing else is accepted: the asking rules match a person's email and its domain
    only, so any other pattern ('***', a platform id) would be stored and never match.
    """
    cleaned = text.strip().lower()
    domain = cleaned.removeprefix("*")
    if domain.startswith("@") and DOMAIN.fullmatch(domain[1:]):
        return domain
    if EMAIL.fullmatch(cleaned):
        return cleaned
    raise InvalidValue(
        f"'{text}' is not an exclusion: use an email (like ceo@example.com) or '@' and "
        "a domain for everyone there (like @contractor.example)."
    )
