"""Who acted in a chat: the stored person behind a platform's ids, asked of the platform once.

A platform names people by its own ids; a helpdesk names them by email. The first time
someone acts, the platform's directory (`Lookup`) tells their email, which links the two.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from bot.domain.identity import PersonIdentity
from bot.domain.model import Person
from bot.domain.texts import locale_for
from bot.services import Services

# Asks the platform's directory who someone is (email, name, locale); None when it can't say.
Lookup = Callable[[], Awaitable[PersonIdentity | None]]


async def known(services: Services, who: PersonIdentity) -> Person | None:
    """The stored person with one of `who`'s platform ids or email, if any."""
    return await services.store.find_person(
        email=None if _has_platform_id(who) else who.email,
        slack_user_id=who.slack_user_id,
        teams_user_id=who.teams_user_id,
    )


async def person_of(
    services: Services, who: PersonIdentity, lookup: Lookup | None, *, wants_locale: bool
) -> Person:
    """The stored person behind `who`, stored or brought up to date when something is new.

    The directory is asked only when the store lacks their email (or, with `wants_locale`,
    their language): writes take the database's write lock, so nothing is written when
    nothing is new.
    """
    found = await known(services, who)
    complete = found is not None and found.email and (found.locale or not wants_locale)
    if found is not None and complete and _tells_nothing_new(found, who):
        return found
    return await services.store.upsert_person(
        await _completed(who, found, lookup, wants_locale)
    )


async def identify(
    services: Services, who: PersonIdentity, lookup: Lookup | None, *,
    wants_locale: bool = False,
) -> PersonIdentity:
    """`who` with their email when the store or the platform's directory knows it."""
    if not _has_platform_id(who):
        return who
    return await _completed(who, await known(services, who), lookup, wants_locale)


async def _completed(
    who: PersonIdentity, found: Person | None, lookup: Lookup | None, wants_locale: bool
) -> PersonIdentity:
    """`who` completed from what is stored (`found`), else from the platform's directory."""
    if found is not None and found.email and (found.locale or not wants_locale):
        return dataclasses.replace(who, email=found.email)
    looked_up = await lookup() if lookup is not None else None
    if looked_up is not None:
        return _merged(who, looked_up)
    if found is not None and found.email:
        return dataclasses.replace(who, email=found.email)
    return who


def identity(person: Person) -> PersonIdentity:
    """A stored person as an identity to hand to another flow."""
    return PersonIdentity(
        email=person.email, display_name=person.display_name,
        slack_user_id=person.slack_user_id, teams_user_id=person.teams_user_id,
        teams_aad_object_id=person.teams_aad_object_id,
    )


async def named(
    services: Services, ref: str, as_id: Callable[[str], PersonIdentity], lookup: Lookup | None
) -> PersonIdentity:
    """Someone an admin named in a command: by email, or by the platform's id (`as_id`)."""
    if "@" in ref:
        found = await services.store.find_person(email=ref)
        return identity(found) if found else PersonIdentity(email=ref)
    who = as_id(ref)
    if lookup is not None:
        return identity(await person_of(services, who, lookup, wants_locale=True))
    found = await known(services, who)
    return identity(found) if found is not None else who


def reader_locale(services: Services, who: PersonIdentity, person: Person | None) -> str:
    """The language to answer `who` in: what the platform says, else what is stored."""
    stored = person.locale if person is not None else None
    return locale_for(who.locale or stored, services.policy.locale)


def is_same(person: Person, who: PersonIdentity) -> bool:
    """Whether `who` is `person`, by any id both have."""
    pairs = (
        (person.slack_user_id, who.slack_user_id),
        (person.teams_user_id, who.teams_user_id),
        (person.teams_aad_object_id, who.teams_aad_object_id),
    )
    return any(mine is not None and mine == theirs for mine, theirs in pairs)


def _has_platform_id(who: PersonIdentity) -> bool:
    return bool(who.slack_user_id or who.teams_user_id)


def _tells_nothing_new(found: Person, who: PersonIdentity) -> bool:
    """Whether storing `who` would change nothing about `found`."""
    pairs = (
        (found.teams_aad_object_id, who.teams_aad_object_id),
        (found.display_name, who.display_name),
        (found.locale, who.locale),
        (found.timezone, who.timezone),
        (found.teams_tenant_id, who.teams_tenant_id),
    )
    return all(new is None or new == old for old, new in pairs)


def _merged(who: PersonIdentity, looked_up: PersonIdentity) -> PersonIdentity:
    """What the platform said in the activity, completed by what its directory says."""
    return PersonIdentity(
        email=who.email or looked_up.email,
        display_name=who.display_name or looked_up.display_name,
        locale=who.locale or looked_up.locale,
        timezone=who.timezone or looked_up.timezone,
        slack_user_id=who.slack_user_id or looked_up.slack_user_id,
        teams_user_id=who.teams_user_id or looked_up.teams_user_id,
        teams_aad_object_id=who.teams_aad_object_id or looked_up.teams_aad_object_id,
        teams_tenant_id=who.teams_tenant_id or looked_up.teams_tenant_id,
    )
