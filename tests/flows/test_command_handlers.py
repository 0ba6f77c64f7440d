"""`/ratings` commands carried out through the core, as any chat platform calls them."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.commands import parse
from bot.domain.identity import PersonIdentity
from bot.flows.command_handlers import Caller, CommandContext, execute, is_admin
from bot.services import Services

ADA = Caller(PersonIdentity(email="Ada@Example.com", teams_user_id="29:ada"), actor="teams:ada")
JAN = Caller(PersonIdentity(email="jan@example.com", slack_user_id="U0JAN123"),
             actor="slack:U0JAN123")


def ctx(services: Services, *admins: str) -> CommandContext:
    return CommandContext(services, env_admins=admins, escape=lambda s: s.replace("<", "‹"),
                          mention=lambda who: f"@[{who}]")


async def test_admins_come_from_the_setting_and_the_store(services: Services) -> None:
    reply = await execute(ctx(services, "ada@example.com"), parse("team add appdev"), ADA)
    assert reply.text.startswith("Added the team `appdev`")
    refused = await execute(ctx(services, "ada@example.com"), parse("teams"), JAN)
    assert refused.text == "Only admins can do that. Ask one of them: @[ada@example.com]."
    await execute(ctx(services, "ada@example.com"), parse("admins add U0JAN123"), ADA)
    assert "servicedesk" in (await execute(ctx(services), parse("teams"), JAN)).text


async def test_with_no_admins_at_all_the_refusal_says_how_to_make_one(
    services: Services,
) -> None:
    reply = await execute(ctx(services), parse("export"), JAN)
    assert "there are none yet" in reply.text and "RATEBOT_ADMINS" in reply.text


async def test_mistakes_come_back_as_replies_with_typed_text_escaped(
    services: Services,
) -> None:
    reply = await execute(ctx(services, "ada@example.com"), parse("stats <nope>"), ADA)
    assert reply.text == "There is no team called '‹nope>'. Add it first with `team add ‹nope>`."


async def test_anyone_opts_out_by_their_platform_identity(services: Services) -> None:
    await execute(ctx(services), parse("optout"), JAN)
    person = await services.store.find_person(slack_user_id="U0JAN123")
    assert person is not None and person.opted_out


def test_is_admin_matches_ids_exactly_and_emails_in_any_case() -> None:
    assert is_admin(PersonIdentity(email="ADA@example.com"), ["ada@example.com"])
    assert is_admin(PersonIdentity(slack_user_id="U1"), ["U1"])
    assert not is_admin(PersonIdentity(slack_user_id="u1"), ["U1"])
    assert not is_admin(PersonIdentity(), ["U1"])


async def test_an_admin_maps_a_helpdesk_group_to_a_team_in_chat(services: Services) -> None:
    admin = ctx(services, "ada@example.com")
    reply = await execute(admin, parse("team map servicedesk zendesk:Service Desk"), ADA)
    assert reply.text == "Tickets of zendesk group `Service Desk` now rate `servicedesk`."
    mapped = await services.store.team_for_group("zendesk", "service desk")  # type: ignore[attr-defined]
    assert mapped == "servicedesk"
    # Mapping it to another team moves it, and the reply says from where.
    await execute(admin, parse("team add appdev"), ADA)
    moved = await execute(admin, parse("team map appdev zendesk:service desk"), ADA)
    assert moved.text == (
        "Tickets of zendesk group `service desk` now rate `appdev` instead of `servicedesk`."
    )
    wrong = await execute(admin, parse("team map servicedesk nowhere:X"), ADA)
    assert "nowhere" in wrong.text
    refused = await execute(ctx(services, "ada@example.com"),
                            parse("team map servicedesk zendesk:Other"), JAN)
    assert refused.text.startswith("Only admins can do that.")


async def test_an_admin_takes_an_agent_off_a_team_in_chat(services: Services) -> None:
    admin = ctx(services, "ada@example.com")
    await execute(admin, parse("team add appdev"), ADA)
    for team in ("servicedesk", "appdev"):
        await execute(admin, parse(f"agent map piet@example.com {team}"), ADA)
    reply = await execute(admin, parse("agent unmap Piet@Example.com servicedesk"), ADA)
    assert reply.text == ("piet@example.com no longer helps in `servicedesk` (and may be "
                          "asked to rate IT again).")
    assert [team for team, _ in await services.store.list_agents()] == ["appdev"]
    again = await execute(admin, parse("agent unmap piet@example.com servicedesk"), ADA)
    assert again.text == "piet@example.com was not an agent of `servicedesk`; nothing changed."
    # A platform id nobody knows is no agent anywhere; a team nobody knows is said so.
    stranger = await execute(admin, parse("agent unmap U0NOBODY servicedesk"), ADA)
    assert stranger.text == "U0NOBODY was not an agent of `servicedesk`; nothing changed."
    unknown = await execute(admin, parse("agent unmap U0NOBODY nope"), ADA)
    assert "There is no team called 'nope'" in unknown.text
    refused = await execute(ctx(services, "ada@example.com"),
                            parse("agent unmap piet@example.com appdev"), JAN)
    assert refused.text.startswith("Only admins can do that.")


async def test_digest_send_posts_once_and_says_why_not_otherwise(services: Services) -> None:
    admin = ctx(services, "ada@example.com")
    no_channel = await execute(admin, parse("digest send servicedesk"), ADA)
    assert "has no digest channel" in no_channel.text
    await services.store.set_team_channel(
        "servicedesk", "test", "digest", "CDIGEST", actor="test", at=services.clock.now()
    )
    posted = await execute(admin, parse("digest send servicedesk 2026-W47"), ADA)
    assert posted.text == "Posted the digest of `servicedesk` for 2026-W47."
    again = await execute(admin, parse("digest send servicedesk 2026-W47"), ADA)
    assert "posted already" in again.text
    bad_week = await execute(admin, parse("digest send servicedesk 2026-W99"), ADA)
    assert "2026-W99" in bad_week.text


async def test_a_week_that_has_not_ended_cannot_use_up_its_digest(services: Services) -> None:
    await services.store.set_team_channel(
        "servicedesk", "test", "digest", "CDIGEST", actor="test", at=services.clock.now()
    )
    # The clock stands in 2026-W48 (Tuesday 24 November): W47 is the last complete week.
    early = await execute(ctx(services, "ada@example.com"),
                          parse("digest send servicedesk 2026-W48"), ADA)
    assert early.text == "2026-W48 has not ended yet; the last complete week is 2026-W47."


async def test_a_dutch_admin_reads_the_team_listing_in_dutch(services: Services) -> None:
    dutch = replace(ctx(services, "ada@example.com"), locale="nl")
    for setting in ("coaching on", "reminder off", "lost-time on", "locale nl"):
        await execute(dutch, parse(f"team set servicedesk {setting}"), ADA)
    listing = (await execute(dutch, parse("teams"), ADA)).text.splitlines()
    [line] = [line for line in listing if "`servicedesk`" in line]
    assert line == (
        "• `servicedesk` Service Desk: nps, identified, wachttijd (throttle) standaard, "
        "verloopt na (expiry) 7 dagen, herinnering (reminder) uit, coaching aan, "
        "redenen (reasons) standaard, verloren werktijd (lost-time) aan, taal (locale) nl"
    )
    english = (await execute(ctx(services, "ada@example.com"), parse("teams"), ADA)).text
    assert "throttle default, expiry 7 days, reminder off, coaching on" in english
