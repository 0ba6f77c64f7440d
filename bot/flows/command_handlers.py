"""Carrying out `/ratings` commands through the core, with admin checks; a reply comes back.

Replies are platform-neutral: light markdown (`*bold*`, `` `code` ``) in which every
string a person typed went through the platform's `escape`, and admins named through the
platform's `mention`. The adapter only sends the result.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from bot.domain.commands import (
    USAGE,
    AddAdmin,
    AddTeam,
    Command,
    Export,
    Forget,
    ListAdmins,
    ListTeams,
    MapAgent,
    MapGroup,
    OptIn,
    OptOut,
    PreviewDigest,
    RemoveAdmin,
    SendDigest,
    SetTeamOption,
    ShowHelp,
    ShowStats,
    StartPulse,
    UnmapAgent,
)
from bot.domain.digest_text import render_digest
from bot.domain.errors import InvalidValue, NotAuthorized, UnknownTeam, UserFacingError
from bot.domain.identity import PersonIdentity
from bot.domain.model import Team
from bot.domain.reasons import REASONS_HELP
from bot.domain.reasons import describe as describe_reasons
from bot.domain.reminders import describe_reminder
from bot.domain.request_checks import mutual_note
from bot.domain.texts import reply_in_locale, text
from bot.domain.weeks import IsoWeek
from bot.flows import admin, pulse, source_mapping
from bot.flows.digest import weekly_digest
from bot.flows.digest_flow import DigestFlow
from bot.flows.export import write_export
from bot.flows.interactions import opting
from bot.flows.reporting import team_stats
from bot.flows.request_checks import figures_line, request_figures
from bot.services import Services

Escape = Callable[[str], str]
Resolve = Callable[[str], Awaitable[PersonIdentity]]  # a user id or email -> who that is


def _same(text: str) -> str:
    return text


@dataclass(frozen=True, slots=True)
class ReplyFile:
    filename: str
    content: bytes
    comment: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    file: ReplyFile | None = None  # sent privately to the caller (an export)
    refused: bool = False  # a refusal or a mistake, not the command's result


@dataclass(frozen=True, slots=True)
class Caller:
    """Who typed the command, as the platform knows them."""

    identity: PersonIdentity
    actor: str  # for the audit log, e.g. "slack:U123"


async def _resolve_plainly(ref: str) -> PersonIdentity:
    if "@" in ref:
        return PersonIdentity(email=ref)
    return PersonIdentity(slack_user_id=ref)


@dataclass(frozen=True, slots=True)
class CommandContext:
    services: Services
    env_admins: tuple[str, ...] = ()  # RATEBOT_ADMINS
    escape: Escape = _same
    mention: Escape = _same  # how to name an admin (an id or an email) on this platform
    resolve: Resolve = field(default=_resolve_plainly)
    locale: str = "en"  # the caller's language in chat; the command line stays English


async def admins_of(ctx: CommandContext) -> list[str]:
    stored = await ctx.services.store.list_admins()
    return sorted(set(stored) | {a.lower() if "@" in a else a for a in ctx.env_admins})


def is_admin(identity: PersonIdentity, admins: Iterable[str]) -> bool:
    known = set(admins)
    ids = (identity.slack_user_id, identity.teams_user_id, identity.teams_aad_object_id)
    if any(i and i in known for i in ids):
        return True
    return bool(identity.email and identity.email.strip().lower() in known)


async def execute(ctx: CommandContext, command: Command, caller: Caller) -> Reply:
    """Run `command` for `caller`; a refusal or a mistake becomes the reply.

    Replies are worded in English and said in `ctx.locale` through the catalogue: a
    refusal before it is escaped (the catalogue matches the words as raised), a result
    after (only the values in it were escaped).
    """
    try:
        if command.admin_only:
            await _require_admin(ctx, caller)
        done = await _run(ctx, command, caller)
    except _Refused as refusal:
        return Reply(reply_in_locale(
            f"Only admins can do that. Ask one of them: {refusal.names}.", ctx.locale),
            refused=True)
    except UserFacingError as error:
        return refused(ctx, error)
    return Reply(reply_in_locale(done.text, ctx.locale), done.file)


def refused(ctx: CommandContext, error: UserFacingError) -> Reply:
    """A refusal as the caller reads it: in their language, then escaped."""
    return Reply(ctx.escape(reply_in_locale(str(error), ctx.locale)), refused=True)


async def _require_admin(ctx: CommandContext, caller: Caller) -> None:
    admins = await admins_of(ctx)
    if is_admin(caller.identity, admins):
        return
    if not admins:
        raise NotAuthorized(
            "Only admins can do that, and there are none yet: set RATEBOT_ADMINS or run "
            "`ratebot admins add <email>` on the server."
        )
    # The refusal is rendered here, not raised: it names people through `mention`.
    raise _Refused(", ".join(ctx.mention(a) for a in admins))


class _Refused(UserFacingError):
    def __init__(self, names: str) -> None:
        super().__init__(names)
        self.names = names


async def _run(ctx: CommandContext, command: Command, caller: Caller) -> Reply:
    for handler in (_about_teams, _about_agents, _about_people, _about_reports):
        reply = await handler(ctx, command, caller)
        if reply is not None:
            return reply
    raise InvalidValue("That command is not supported here.")


async def _about_teams(ctx: CommandContext, command: Command, caller: Caller) -> Reply | None:
    """Teams, their options, agents and helpdesk groups."""
    services, esc = ctx.services, ctx.escape
    actor = caller.actor
    match command:
        case ListTeams():
            teams = await services.store.list_teams()
            if not teams:
                return Reply("There are no teams yet: add one with `team add <name>`.")
            return Reply("\n".join(team_line(t, esc, ctx.locale) for t in teams))
        case AddTeam(name=name, channel=channel):
            added = await admin.add_team(services, name, actor=actor)
            if channel is not None:
                added = await admin.set_team_option(
                    services, name, "digest-channel", channel, actor=actor
                )
            return Reply(f"Added the team `{esc(added.name)}`.\n"
                         + team_line(added, esc, ctx.locale))
        case SetTeamOption(team=team_name, option=option, value=value):
            changed = await admin.set_team_option(services, team_name, option, value, actor=actor)
            return Reply(
                f"Changed `{esc(option)}` of `{esc(changed.name)}`.\n"
                + team_line(changed, esc, ctx.locale)
                + mutual_note(option, changed)
            )
        case MapAgent(user=user, team=team_name):
            identity = await ctx.resolve(user)
            if await services.store.get_team(team_name) is None:
                raise UnknownTeam(team_name)
            person = await services.store.add_agent(
                team_name, identity, actor=actor, at=services.clock.now()
            )
            who = person.display_name or person.email or user
            return Reply(f"{esc(who)} now helps in `{esc(team_name)}` (and is never asked "
                         "to rate IT).")
        case MapGroup(team=team_name, group=ref):
            mapping = await source_mapping.map_group(services, team_name, ref, actor=actor)
            moved = f" instead of `{esc(mapping.moved_from)}`" if mapping.moved_from else ""
            return Reply(
                f"Tickets of {esc(mapping.source)} group `{esc(mapping.group)}` now rate "
                f"`{esc(mapping.team)}`{moved}."
            )
        case StartPulse(team=team_name, days=days, question=question):
            started = await pulse.start_pulse(
                services, team_name, days=days, question=question, actor=actor
            )
            return Reply(pulse.pulse_reply(started))
    return None


async def _about_agents(ctx: CommandContext, command: Command, caller: Caller) -> Reply | None:
    """Taking someone off a team's agents (they are added with the teams)."""
    if not isinstance(command, UnmapAgent):
        return None
    services, esc, team_name = ctx.services, ctx.escape, command.team
    identity = await ctx.resolve(command.user)
    email = identity.email.strip().lower() if identity.email else None  # as stored
    if email is None:  # a platform id the directory did not resolve: maybe stored already
        known = await services.store.find_person(
            slack_user_id=identity.slack_user_id, teams_user_id=identity.teams_user_id
        )
        email = known.email if known is not None else None
    if email is None:
        if await services.store.get_team(team_name) is None:
            raise UnknownTeam(team_name)
        removed = False
    else:
        removed = await admin.remove_agent(services, team_name, email, actor=caller.actor)
    who = esc(identity.display_name or email or command.user)
    if removed:
        return Reply(f"{who} no longer helps in `{esc(team_name)}` (and may be asked to rate "
                     "IT again).")
    return Reply(f"{who} was not an agent of `{esc(team_name)}`; nothing changed.")


async def _about_people(ctx: CommandContext, command: Command, caller: Caller) -> Reply | None:
    """Admins, asking or not asking someone, forgetting someone."""
    services = ctx.services
    match command:
        case AddAdmin(user=user):
            is_new = await admin.add_admin(services, user, actor=caller.actor)
            verb = "is now an admin" if is_new else "was already an admin"
            return Reply(f"{ctx.mention(user)} {verb}.")
        case RemoveAdmin(user=user):
            removed = await admin.remove_admin(services, user, actor=caller.actor)
            verb = "is no longer an admin" if removed else "was not an admin"
            extra = ""
            if user in ctx.env_admins:
                extra = " (still an admin through RATEBOT_ADMINS on the server)"
            return Reply(f"{ctx.mention(user)} {verb}{extra}.")
        case ListAdmins():
            admins = await admins_of(ctx)
            return Reply("Admins: " + (", ".join(ctx.mention(a) for a in admins) or "none"))
        case OptOut() | OptIn():
            opted_out = isinstance(command, OptOut)
            await opting.opt(services, caller.identity, opted_out=opted_out)
            return Reply(text("optout.done" if opted_out else "optin.done", ctx.locale))
        case Forget(user=user):
            identity = await ctx.resolve(user)
            if not identity.email:
                raise InvalidValue("Ratebot knows no email for that person, so there is "
                                   "nothing to forget.")
            kept = await admin.forget(services, identity.email, actor=caller.actor)
            return Reply(f"Forgotten. {kept} of their ratings were kept without a name.")
    return None


async def _about_reports(ctx: CommandContext, command: Command, caller: Caller) -> Reply | None:
    """Help, scores, digests and the export."""
    services, esc = ctx.services, ctx.escape
    match command:
        case ShowHelp():
            return Reply(help_text(command, esc, ctx.locale))
        case ShowStats(team=only, weeks=weeks):
            return Reply(await _stats(services, only, weeks, esc))
        case PreviewDigest(team=team_name):
            found = await services.store.get_team(team_name)
            if found is None:
                raise UnknownTeam(team_name)
            digest = await weekly_digest(services, found)
            return Reply(render_digest(digest, escape=esc))
        case SendDigest(team=team_name, week=week):
            try:
                period = IsoWeek.parse(week) if week is not None else None
            except ValueError as problem:
                raise InvalidValue(str(problem)) from None
            result = await DigestFlow(services).send_digest(team_name, period)
            return Reply(f"Posted the digest of `{esc(result.team)}` for {result.period}.")
        case Export():
            out = io.StringIO()
            count = await write_export(services.store.export_rows(), out, "csv")
            day = services.clock.now().strftime("%Y-%m-%d")
            comment = f"{count} ratings, exported on {day}."
            return Reply(
                f"Sending {count} ratings as a CSV file in a direct message.",
                ReplyFile(f"ratings-{day}.csv", out.getvalue().encode(), comment),
            )
    return None


async def _stats(services: Services, only: str | None, weeks: int, esc: Escape) -> str:
    stats = await team_stats(services, team=only, weeks=weeks)
    if not stats:
        return "There are no teams yet: add one with `team add <name>`."
    lines = [f"*Scores over the last {weeks} weeks*"]
    mutual = await request_figures(services, [item.team.id for item in stats])
    for item in stats:
        rate = item.response_rate
        answered = f", {round(rate * 100)}% answered" if rate is not None else ""
        lines.append(
            f"• {esc(item.team.display_name)}: {item.score.text} "
            f"(n = {item.score.n}{answered})"
        )
        if item.team.id in mutual:  # apart from the score, and only above the minimum
            lines.append(figures_line(esc(item.team.display_name), mutual[item.team.id]))
    return "\n".join(lines)


def help_text(command: ShowHelp, esc: Escape, locale: str = "en") -> str:
    lines = []
    if command.unknown is not None:
        hint = f" Did you mean `{command.suggestion}`?" if command.suggestion else ""
        lines.append(f"I don't know `{esc(command.unknown)}`.{hint}")
    if command.problem is not None:
        # Said before it is escaped: the catalogue matches the words as the parser wrote them.
        lines.append(esc(reply_in_locale(command.problem, locale)))
    lines.append("*Usage:* `/ratings <command>`")
    lines.extend(f"• `{esc(line)}`" for line in USAGE.values())
    lines.append(esc(reply_in_locale(REASONS_HELP, locale)))  # an option with its own syntax
    return "\n".join(lines)


def team_line(team: Team, esc: Escape, locale: str = "en") -> str:
    """One team's settings, in the caller's language; option values as typed stay as they
    are (a team's own reasons, its timezone, channel ids)."""
    def say(key: str, **values: object) -> str:
        return text(f"team_line.{key}", locale, **values)

    def days(count: int | None) -> str:
        return say("default") if count is None else say("days", n=count)

    reminder = describe_reminder(team.reminder_minutes)
    reasons = describe_reasons(team.reasons)
    pieces = [
        team.scale.value, team.anonymity.value, say("throttle", value=days(team.cooldown_days)),
        say("expiry", value=days(team.expiry_days)),
        say("reminder", value=say("off") if reminder == "off" else reminder),
        *([say("coaching")] if team.coaching else []),
        *([say("mutual")] if team.mutual else []),
        say("reasons", value=say(reasons) if reasons in ("default", "off") else esc(reasons)),
        *([say("lost_time")] if team.lost_time else []),
        *([say("locale", value=team.locale)] if team.locale else []),  # unset: RATEBOT_LOCALE
    ]
    channels = ", ".join(
        f"{purpose} {ref}" for (platform, purpose), ref in sorted(team.channels.items())
        if platform == "slack"
    )
    if channels:
        pieces.append(say("channels", value=esc(channels)))
    return f"• `{esc(team.name)}` {esc(team.display_name)}: " + ", ".join(pieces)
