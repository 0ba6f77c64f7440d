"""Each Slack interaction: translate (inbound), call its flow, render (render), respond.

Every handler runs inside `boundary`: a person sees a safe message, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from adapters.slack import inbound
from adapters.slack.escape import escape
from adapters.slack.outbound import SlackChat
from adapters.slack.render import (
    COMMENT_BLOCK,
    Message,
    comment_modal,
    forget_question_message,
    home_view,
    markdown_message,
    mention,
    plain_message,
    prompt_message,
    resolve_modal,
)
from bot.domain.commands import ForgetMe, MyData, parse
from bot.domain.errors import UserFacingError
from bot.domain.identity import PersonIdentity
from bot.domain.model import Person, Team
from bot.domain.texts import in_locale, locale_for, text
from bot.flows.command_handlers import Caller, CommandContext
from bot.flows.interactions import (
    admin_command,
    answering,
    closing_in_chat,
    commenting,
    following_up,
    forgetting_me,
    my_data,
    my_ratings,
    opting,
    people,
)
from bot.flows.interactions.views import Closed, PromptView
from bot.ports.chat import DeliveryError
from bot.services import Services

log = logging.getLogger(__name__)
Payload = dict[str, Any]
Ack = Callable[..., Awaitable[Any]]
PLATFORM = "slack"
MAKE_HELP_CHANNEL = "`/ratings team set <team> help-channel #channel`"
NOT_AN_OPENING = "Use this on the message that opened the request."


def slack_user(user_id: str) -> PersonIdentity:
    return PersonIdentity(slack_user_id=user_id)


# Within Slack's 3 seconds, with room for the round trip back to Slack.
COMMAND_ACK_BUDGET_SECONDS = 2.0


class SlackHandlers:
    def __init__(self, services: Services, chat: SlackChat, *, env_admins: tuple[str, ...]):
        self.services = services
        self.chat = chat
        self.env_admins = env_admins
        self.ack_budget = COMMAND_ACK_BUDGET_SECONDS
        self._running = 0
        self._settled = asyncio.Condition()

    # ------------------------------------------------------------------ the boundary

    async def idle(self) -> None:
        """Wait until no delivery is being worked on (Slack's ack lets work run on)."""
        async with self._settled:
            await self._settled.wait_for(lambda: self._running == 0)

    async def boundary(
        self, name: str, body: Payload, work: Awaitable[None]
    ) -> Exception | None:
        """One error boundary per inbound Slack delivery; the error it handled, if any."""
        self._running += 1
        try:
            return await self._guarded(name, body, work)
        finally:
            self._running -= 1
            async with self._settled:
                self._settled.notify_all()

    async def _guarded(
        self, name: str, body: Payload, work: Awaitable[None]
    ) -> Exception | None:
        try:
            await work
            return None
        except inbound.BadPayload as exc:
            log.warning("slack %s: ignored a payload this app did not produce (%s)", name, exc)
            return exc
        except UserFacingError as exc:
            await self._tell(body, plain_message(in_locale(str(exc), self.services.policy.locale)))
            return exc
        except DeliveryError as exc:
            log.warning("slack %s: a Slack call failed: %s", name, exc.reason)
            return exc
        except Exception as exc:
            # The exception's message can hold what a person typed or an email (SQL
            # parameters): only its type and the frames go to the log.
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("slack %s failed: %s; message withheld\n%s", name,
                      type(exc).__qualname__, frames)
            await self._tell(body, plain_message(text("apology", self.services.policy.locale)))
            return exc

    async def _tell(self, body: Payload, message: Message) -> None:
        user = (body.get("user") or {}).get("id") or body.get("user_id")
        channel = ((body.get("container") or {}).get("channel_id")
                   or (body.get("channel") or {}).get("id") or body.get("channel_id"))
        if not user or not channel:
            return
        try:
            await self.chat.ephemeral(str(channel), str(user), message)
        except DeliveryError as exc:
            log.warning("slack: could not tell the person what happened: %s", exc.reason)

    async def _person(self, user_id: str) -> Person:
        """The stored person behind a Slack user; Slack's profile is read the first time."""
        async def lookup() -> PersonIdentity:
            return await self.chat.identity_of(user_id)

        return await people.person_of(self.services, slack_user(user_id), lookup,
                                      wants_locale=True)

    async def _show(self, where: inbound.Where, view: PromptView) -> None:
        """The clicked prompt redrawn, or a word to the clicker alone."""
        if view.update is not None and view.changed:
            message = prompt_message(view.update.prompt, view.locale, view.update)
            await self.chat.update(where.channel, where.ts, message)
        if view.notice is not None:
            await self.chat.ephemeral(where.channel, where.user_id, plain_message(view.notice))

    # ------------------------------------------------------------------ prompts

    async def rate(self, ack: Ack, body: Payload) -> None:
        """A score button: acknowledged once the rating is committed, then redrawn.

        Slack never sends a click again, so the acknowledgement must not come before the
        rating is durable: a crash in between would lose it while the person saw it taken.
        """
        try:
            click = inbound.click(body)
        except inbound.BadPayload:
            await ack()  # nothing to store, and sending it again would not help
            raise
        value = click.value
        view = await answering.answer(self.services, value.prompt_id,
                                      slack_user(click.where.user_id), value.score, value.receipt,
                                      settled=ack)
        await self._show(click.where, view)

    async def open_comment(self, body: Payload) -> None:
        request = inbound.comment_request(body)
        who = slack_user(request.where.user_id)
        form = await commenting.comment_form(self.services, request.prompt_id, who)
        await self.chat.open_view(request.trigger_id, comment_modal(
            form.locale, request.metadata(), notice=form.notice))

    async def submit_comment(self, ack: Ack, body: Payload) -> None:
        submission = inbound.comment_submission(body)
        view = await commenting.comment(
            self.services, submission.prompt_id, slack_user(submission.where.user_id),
            submission.text, submission.receipt,
        )
        if view.problem is not None:
            await ack(response_action="errors", errors={COMMENT_BLOCK: view.problem[:150]})
            return
        await ack()
        if view.update is not None:
            await self._show(submission.where, view)

    async def opt_out(self, body: Payload, *, opted_out: bool = True) -> None:
        user = str(body["user"]["id"])
        person = await self._person(user)
        done = await opting.opt(self.services, people.identity(person), opted_out=opted_out)
        if body.get("type") == "block_actions" and (body.get("view") or {}).get("type") == "home":
            await self.publish_home(user)
            return
        await self._tell(body, plain_message(done.notice))

    # ------------------------------------------------------------------ follow-ups

    async def claim(self, body: Payload) -> None:
        action = inbound.follow_up_action(body)
        who = people.identity(await self._person(action.where.user_id))
        await following_up.claim(self.services, action.follow_up_id, who)

    async def open_resolve(self, body: Payload) -> None:
        action = inbound.follow_up_action(body)
        view = resolve_modal(self.services.policy.locale, action.metadata())
        await self.chat.open_view(action.trigger_id, view)

    async def submit_resolve(self, ack: Ack, body: Payload) -> None:
        submission = inbound.resolve_submission(body)
        await ack()
        who = people.identity(await self._person(submission.where.user_id))
        await following_up.resolve(self.services, submission.follow_up_id, who, submission.note)

    # ------------------------------------------------------------------ closing in Slack

    async def reaction_added(self, event: Payload) -> None:
        reaction = inbound.closing_reaction(event)
        if reaction is None:
            return
        channel, ts = reaction.channel, reaction.ts
        team = await closing_in_chat.help_team(self.services, PLATFORM, channel)
        if team is None:
            return  # reactions anywhere else mean nothing to ratebot
        closer = await self._person(reaction.user_id)
        if not await closing_in_chat.helps_in(self.services, team, closer):
            return  # a colleague's check mark is not a close
        message = await self.chat.message_in(channel, ts)
        if message is None or not inbound.is_first_message(message):
            return
        await self._close(team, channel, message, closer)

    async def close_shortcut(self, body: Payload) -> None:
        channel = str(body["channel"]["id"])
        closer = str(body["user"]["id"])
        team = await closing_in_chat.help_team(self.services, PLATFORM, channel)
        if team is None:
            known = await people.known(self.services, slack_user(closer))
            locale = locale_for(known.locale if known else None, self.services.policy.locale)
            await self.chat.ephemeral(channel, closer, plain_message(text(
                "closing.not_help_channel", locale, command=MAKE_HELP_CHANNEL)))
            return
        agent = await self._person(closer)
        locale = locale_for(agent.locale, self.services.policy.locale)
        if not await closing_in_chat.helps_in(self.services, team, agent):
            await self.chat.ephemeral(channel, closer, plain_message(text(
                "closing.only_agents", locale, team=team.display_name,
                command=f"`/ratings agent map @you {team.name}`")))
            return
        message: Payload = body.get("message") or {}
        if not inbound.is_first_message(message) or not message.get("user"):
            await self.chat.ephemeral(channel, closer,
                                      plain_message(in_locale(NOT_AN_OPENING, locale)))
            return
        closed = await self._close(team, channel, message, agent)
        note = closing_in_chat.closed_note(
            closed, mention(str(message["user"])), escape, locale)
        await self.chat.ephemeral(channel, closer, markdown_message(note))

    async def _close(self, team: Team, channel: str, message: Payload, closer: Person) -> Closed:
        request = inbound.closed_request(channel, message)
        requester = await self._person(request.requester_user_id)
        return await closing_in_chat.close_request(
            self.services, source=inbound.SOURCE, team=team, ticket_id=request.ticket_id,
            requester=people.identity(requester), closer=people.identity(closer),
            subject=request.subject,
        )

    # ------------------------------------------------------------------ commands and home

    async def command(self, ack: Ack, body: Payload, respond: Ack) -> None:
        user = str(body["user_id"])
        typed = str(body.get("text") or "")
        if isinstance(parse(typed), (MyData, ForgetMe)):
            await self._about_me(ack, user, typed)
            return
        try:
            identity = people.identity(await self._person(user))
        except DeliveryError as exc:
            # Without Slack's profile the id still identifies them (admins by id, opt-out).
            log.warning("slack command: no profile for the caller: %s", exc.reason)
            identity = slack_user(user)
        ctx = CommandContext(self.services, self.env_admins, escape=escape, mention=mention,
                             resolve=self._named)
        caller = Caller(identity, actor=f"slack:{user}")
        work = asyncio.ensure_future(admin_command.run(ctx, typed, caller))
        try:
            reply = await asyncio.wait_for(asyncio.shield(work), timeout=self.ack_budget)
        except TimeoutError:
            # Slack gives a command 3 seconds. A slow one (a digest drawn and posted, a big
            # export) is acknowledged now and answered through the response URL when done.
            caller_now = await people.known(self.services, slack_user(user))
            locale = people.reader_locale(self.services, identity, caller_now)
            await ack(text=text("command.working", locale), response_type="ephemeral")
            reply = await work
            await respond(text=reply.text, response_type="ephemeral", replace_original=False)
        else:
            await ack(text=reply.text, response_type="ephemeral")
        if reply.file is not None:
            file = reply.file
            await self.chat.send_file(user, file.filename, file.content, file.comment)

    async def _named(self, ref: str) -> PersonIdentity:
        async def lookup() -> PersonIdentity:
            return await self.chat.identity_of(ref)

        return await people.named(self.services, ref, slack_user, lookup)

    async def publish_home(self, user_id: str) -> None:
        person = await self._person(user_id)
        home = await my_ratings.home(self.services, person, self.env_admins)
        await self.chat.publish_home(user_id, home_view(home))

    # ------------------------------------------------------------------ my data, forget me

    async def _about_me(self, ack: Ack, user: str, typed: str) -> None:
        """`/ratings my-data` and `/ratings forget-me`: for anyone, about themselves only."""
        who = slack_user(user)
        if isinstance(parse(typed), ForgetMe):
            message = forget_question_message(await forgetting_me.question(self.services, who))
            await ack(text=message.text, blocks=message.blocks, response_type="ephemeral")
            return
        view = await my_data.my_data(self.services, who)
        await ack(text=view.notice, response_type="ephemeral")
        if view.content is not None:
            await self.chat.send_file(user, view.filename, view.content, view.notice)

    async def send_my_data(self, body: Payload) -> None:
        """The App Home's My data button: the file comes in a direct message."""
        user = str(body["user"]["id"])
        view = await my_data.my_data(self.services, slack_user(user))
        if view.content is None:
            await self._direct(user, view.notice)
            return
        await self.chat.send_file(user, view.filename, view.content, view.notice)

    async def forget_me(self, body: Payload) -> None:
        """The confirmed Forget me button (the App Home's dialog, or the command's question)."""
        user = str(body["user"]["id"])
        done = await forgetting_me.forget_me(self.services, slack_user(user))
        if (body.get("view") or {}).get("type") == "home":
            # Not the Home redrawn: drawing it would store them again from Slack's profile.
            await self._direct(user, done.notice)
            return
        await self._tell(body, plain_message(done.notice))

    async def _direct(self, user: str, notice: str) -> None:
        await self.chat.post(await self.chat.open_dm(user), plain_message(notice))
