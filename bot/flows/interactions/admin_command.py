"""An admin command typed in chat (`/ratings …` in Slack, `ratings …` to the bot in Teams).

The shared grammar (`bot.domain.commands`) and handlers (`bot.flows.command_handlers`) do
the work. Where a platform cannot name a channel in text (Teams), a channel option takes
`here`: the channel the command was sent in.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bot.domain.commands import AddTeam, SetTeamOption, parse
from bot.domain.errors import InvalidValue, UserFacingError
from bot.domain.texts import reply_in_locale
from bot.flows.admin import CHANNEL_OPTIONS
from bot.flows.command_handlers import (
    Caller,
    CommandContext,
    Reply,
    admins_of,
    execute,
    is_admin,
    refused,
)
from bot.flows.interactions.people import known, reader_locale

CLEAR_WORDS = ("none", "off", "-")


@dataclass(frozen=True, slots=True)
class Here:
    """Where a command was sent, on a platform whose channels are named by being in them."""

    platform: str
    reference: str | None  # the channel's stored reference; None outside a channel


async def run(ctx: CommandContext, typed: str, caller: Caller, here: Here | None = None) -> Reply:
    """The reply to what `caller` typed, in their language (what the platform says, else
    what is stored about them)."""
    person = await known(ctx.services, caller.identity)
    ctx = dataclasses.replace(ctx, locale=reader_locale(ctx.services, caller.identity, person))
    command = parse(typed)
    if here is None:
        return await execute(ctx, command, caller)
    if isinstance(command, SetTeamOption) and command.option in CHANNEL_OPTIONS:
        return await _set_channel(ctx, command, caller, here)
    if isinstance(command, AddTeam) and command.channel is not None:
        added = await execute(ctx, AddTeam(command.name), caller)
        if added.refused:
            return added
        digest = SetTeamOption(command.name, "digest-channel", command.channel)
        note = await _set_channel(ctx, digest, caller, here)
        return Reply(added.text + "\n\n" + note.text)
    return await execute(ctx, command, caller)


async def _set_channel(
    ctx: CommandContext, command: SetTeamOption, caller: Caller, here: Here
) -> Reply:
    """`team set <team> alert-channel here`: this channel becomes the team's."""
    if not is_admin(caller.identity, await admins_of(ctx)):
        return await execute(ctx, command, caller)  # the shared handler words the refusal
    try:
        done = await _set_here(ctx, command, caller, here)
    except UserFacingError as error:
        return refused(ctx, error)
    return Reply(reply_in_locale(done.text, ctx.locale))


async def _set_here(
    ctx: CommandContext, command: SetTeamOption, caller: Caller, here: Here
) -> Reply:
    value = command.value.strip().lower()
    purpose = CHANNEL_OPTIONS[command.option]
    if value in CLEAR_WORDS:
        ref = None
    elif value == "here" and here.reference is not None:
        ref = here.reference
    else:
        raise InvalidValue(
            f"In {here.platform.title()}, send `ratings team set {command.team} "
            f"{command.option} here` in the channel itself (or `none` to clear it)."
        )
    services = ctx.services
    team = await services.store.set_team_channel(
        command.team, here.platform, purpose, ref, actor=caller.actor, at=services.clock.now(),
    )
    what = "no longer has" if ref is None else "now uses this channel as its"
    return Reply(f"`{ctx.escape(team.name)}` {what} {ctx.escape(purpose)} channel in "
                 f"{here.platform.title()}.")
