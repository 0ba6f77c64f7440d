"""Admin commands sent to the bot as messages (`ratings stats servicedesk 8`).

The shared grammar (`bot.domain.commands`) and handlers (`bot.flows.command_handlers`) do
the work; this adds what only Teams has: "here" names the channel the command was sent in.
"""

from __future__ import annotations

from adapters.teams.escape import escape, teams_markdown
from bot.domain.commands import AddTeam, SetTeamOption, parse
from bot.domain.errors import InvalidValue
from bot.domain.identity import PersonIdentity
from bot.flows.admin import CHANNEL_OPTIONS
from bot.flows.command_handlers import Caller, CommandContext, admins_of, execute, is_admin
from bot.ports.store import Store
from bot.services import Services

PLATFORM = "teams"
CLEAR_WORDS = ("none", "off", "-")


def in_teams_words(reply: str) -> str:
    """The shared replies name Slack's `/ratings`; in Teams the command is a message."""
    return reply.replace("`/ratings ", "`ratings ")


class TeamsCommands:
    def __init__(
        self, services: Services, store: Store, *, env_admins: tuple[str, ...] = ()
    ) -> None:
        self.services = services
        self.store = store
        self.env_admins = env_admins

    async def run(self, typed: str, who: PersonIdentity, here: str | None) -> str:
        """The reply (Teams markdown) to `typed`; `here` is the channel's reference, if any."""
        caller = Caller(who, actor=f"teams:{who.teams_aad_object_id or who.teams_user_id}")
        ctx = CommandContext(self.services, self.env_admins, escape=escape, mention=escape,
                             resolve=self.resolve)
        command = parse(typed)
        if isinstance(command, SetTeamOption) and command.option in CHANNEL_OPTIONS:
            return await self.set_channel(ctx, command, caller, here)
        if isinstance(command, AddTeam) and command.channel is not None:
            added = await execute(ctx, AddTeam(command.name), caller)
            if not added.text.startswith("Added"):
                return teams_markdown(added.text)
            digest = SetTeamOption(command.name, "digest-channel", command.channel)
            note = await self.set_channel(ctx, digest, caller, here)
            return teams_markdown(added.text) + "\n\n" + note
        reply = await execute(ctx, command, caller)
        if reply.file is not None:
            # Sending a file in Teams needs the file-consent flow and SharePoint: not here.
            return (f"{escape(reply.file.comment)} Files can't be sent in Teams: run "
                    "`ratebot export` on the server, or use `/ratings export` in Slack.")
        return in_teams_words(teams_markdown(reply.text))

    async def set_channel(
        self, ctx: CommandContext, command: SetTeamOption, caller: Caller, here: str | None
    ) -> str:
        """`team set <team> alert-channel here`: this Teams channel becomes the team's."""
        if not is_admin(caller.identity, await admins_of(ctx)):
            # The shared handler words the refusal (and names the admins).
            return teams_markdown((await execute(ctx, command, caller)).text)
        value = command.value.strip().lower()
        purpose = CHANNEL_OPTIONS[command.option]
        if value in CLEAR_WORDS:
            ref = None
        elif value == "here" and here is not None:
            ref = here
        else:
            raise InvalidValue(
                f"In Teams, send `ratings team set {command.team} {command.option} here` in "
                "the channel itself (or `none` to clear it)."
            )
        team = await self.services.store.set_team_channel(
            command.team, PLATFORM, purpose, ref, actor=caller.actor,
            at=self.services.clock.now(),
        )
        what = "no longer has" if ref is None else "now uses this channel as its"
        return f"`{escape(team.name)}` {what} {escape(purpose)} channel in Teams."

    async def resolve(self, ref: str) -> PersonIdentity:
        """A person named in a command, by email or Teams id, as the store knows them."""
        if "@" in ref:
            found = await self.store.find_person(email=ref)
        else:
            found = await self.store.find_person(teams_user_id=ref)
        if found is None:
            return PersonIdentity(email=ref) if "@" in ref else PersonIdentity(teams_user_id=ref)
        return PersonIdentity(email=found.email, display_name=found.display_name,
                              teams_user_id=found.teams_user_id,
                              teams_aad_object_id=found.teams_aad_object_id)
