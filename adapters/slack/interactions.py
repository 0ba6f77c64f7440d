"""What each Slack interaction does: translate (inbound), call the core, render (blocks).

Every handler runs inside `boundary`: a person sees a safe message, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from adapters.slack import inbound
from adapters.slack.blocks import (
    COMMENT_BLOCK,
    Message,
    comment_modal,
    plain_message,
    prompt_message,
    resolve_modal,
)
from adapters.slack.escape import escape
from adapters.slack.home import gather, home_view
from adapters.slack.outbound import SlackChat
from bot.domain.commands import parse
from bot.domain.errors import NotRecipient, PromptExpired, UserFacingError
from bot.domain.identity import PersonIdentity
from bot.domain.messages import PromptUpdate
from bot.domain.model import Person, PromptStatus, Team
from bot.domain.texts import text
from bot.flows import alerts
from bot.flows.asking import conversation_closed
from bot.flows.command_handlers import Caller, CommandContext, admins_of, execute, is_admin
from bot.flows.recording import add_comment, record_rating
from bot.ports.chat import DeliveryError
from bot.services import Services

log = logging.getLogger(__name__)
Payload = dict[str, Any]
Ack = Callable[..., Awaitable[Any]]
CLOSING_REACTIONS = frozenset({"white_check_mark", "heavy_check_mark"})


def mention(identifier: str) -> str:
    """An admin as Slack shows them: a live mention for a user id, else the escaped email."""
    if identifier[:1] in ("U", "W") and identifier.isalnum():
        return f"<@{identifier}>"
    return escape(identifier)


# Within Slack's 3 seconds, with room for the round trip back to Slack.
COMMAND_ACK_BUDGET_SECONDS = 2.0


class SlackInteractions:
    def __init__(self, services: Services, chat: SlackChat, *, env_admins: tuple[str, ...]):
        self.services = services
        self.chat = chat
        self.store = services.store
        self.env_admins = env_admins
        self.ack_budget = COMMAND_ACK_BUDGET_SECONDS
        self._running = 0
        self._settled = asyncio.Condition()

    # ------------------------------------------------------------------ the boundary

    async def idle(self) -> None:
        """Wait until no delivery is being worked on (Slack's ack lets work run on)."""
        async with self._settled:
            await self._settled.wait_for(lambda: self._running == 0)

    async def boundary(self, name: str, body: Payload, work: Awaitable[None]) -> None:
        """One error boundary per inbound Slack delivery."""
        self._running += 1
        try:
            await self._guarded(name, body, work)
        finally:
            self._running -= 1
            async with self._settled:
                self._settled.notify_all()

    async def _guarded(self, name: str, body: Payload, work: Awaitable[None]) -> None:
        try:
            await work
        except inbound.BadPayload as exc:
            log.warning("slack %s: ignored a payload this app did not produce (%s)", name, exc)
        except UserFacingError as exc:
            await self._tell(body, plain_message(str(exc)))
        except DeliveryError as exc:
            log.warning("slack %s: a Slack call failed: %s", name, exc.reason)
        except Exception as exc:
            # The exception's message can hold what a person typed or an email (SQL
            # parameters): only its type and the frames go to the log.
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("slack %s failed: %s; message withheld\n%s", name,
                      type(exc).__qualname__, frames)
            await self._tell(body, plain_message(text("apology", self.services.policy.locale)))

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
        return await self.chat.person(user_id)

    @staticmethod
    def _identity(person: Person) -> PersonIdentity:
        return PersonIdentity(email=person.email, display_name=person.display_name,
                              slack_user_id=person.slack_user_id)

    # ------------------------------------------------------------------ prompts

    async def rate(self, body: Payload) -> None:
        click = inbound.click(body)
        where, value = click.where, click.value
        clicker = PersonIdentity(slack_user_id=where.user_id)
        try:
            result = await record_rating(
                self.services, value.prompt_id, clicker, value.score, value.receipt
            )
        except UserFacingError as refusal:
            await self._refuse(where, value.prompt_id, refusal)
            return
        prompt = result.prompt  # read with the answer: no second read before the update
        # A replayed click changed nothing: the message already shows it.
        if prompt is not None and (result.created or result.changed):
            update = PromptUpdate(prompt, score=result.rating.score,
                                  comment=result.rating.comment, receipt=result.receipt)
            message = prompt_message(prompt, self.chat.locale_of(prompt.recipient), update)
            await self.chat.update(where.channel, where.ts, message)
        if result.follow_up_id is not None:
            await alerts.alert_detractor(self.services, result.follow_up_id)

    async def _refuse(self, where: inbound.Where, prompt_id: int, refusal: UserFacingError) -> None:
        """Expired: said in the message itself. Anything else: only to the clicker."""
        prompt = await self.store.rating_prompt(prompt_id)
        own = prompt is not None and prompt.recipient.slack_user_id == where.user_id
        locale = self.chat.locale_of(prompt.recipient if prompt and own else None)
        if isinstance(refusal, PromptExpired):
            reason = text("prompt.expired", locale)
        elif isinstance(refusal, NotRecipient):
            reason = text("prompt.not_yours", locale)
        else:
            reason = str(refusal)
        if prompt is not None and own and isinstance(refusal, PromptExpired):
            update = PromptUpdate(prompt, notice=reason)
            await self.chat.update(where.channel, where.ts, prompt_message(prompt, locale, update))
            return
        await self.chat.ephemeral(where.channel, where.user_id, plain_message(reason))

    async def open_comment(self, body: Payload) -> None:
        request = inbound.comment_request(body)
        prompt = await self.store.rating_prompt(request.prompt_id)
        locale = self.chat.locale_of(prompt.recipient if prompt else None)
        await self.chat.open_view(request.trigger_id, comment_modal(locale, request.metadata()))

    async def submit_comment(self, ack: Ack, body: Payload) -> None:
        submission = inbound.comment_submission(body)
        where = submission.where
        try:
            rating = await add_comment(
                self.services, submission.prompt_id, PersonIdentity(slack_user_id=where.user_id),
                submission.text, submission.receipt,
            )
        except UserFacingError as refusal:
            await ack(response_action="errors", errors={COMMENT_BLOCK: str(refusal)[:150]})
            return
        await ack()
        prompt = await self.store.rating_prompt(submission.prompt_id)
        if prompt is not None:
            update = PromptUpdate(prompt, score=rating.score, comment=rating.comment,
                                  receipt=submission.receipt)
            message = prompt_message(prompt, self.chat.locale_of(prompt.recipient), update)
            await self.chat.update(where.channel, where.ts, message)
        await alerts.comment_added(self.services, rating)

    async def opt_out(self, body: Payload, *, opted_out: bool = True) -> None:
        user = str(body["user"]["id"])
        person = await self._person(user)
        person = await self.store.set_opted_out(person.id, opted_out, at=self.services.clock.now())
        locale = self.chat.locale_of(person)
        if body.get("type") == "block_actions" and (body.get("view") or {}).get("type") == "home":
            await self.publish_home(user)
            return
        message = plain_message(text("optout.done" if opted_out else "optin.done", locale))
        await self._tell(body, message)

    # ------------------------------------------------------------------ follow-ups

    async def claim(self, body: Payload) -> None:
        action = inbound.follow_up_action(body)
        who = self._identity(await self._person(action.where.user_id))
        await alerts.claim(self.services, action.follow_up_id, who)

    async def open_resolve(self, body: Payload) -> None:
        action = inbound.follow_up_action(body)
        view = resolve_modal(self.services.policy.locale, action.metadata())
        await self.chat.open_view(action.trigger_id, view)

    async def submit_resolve(self, ack: Ack, body: Payload) -> None:
        submission = inbound.resolve_submission(body)
        await ack()
        who = self._identity(await self._person(submission.where.user_id))
        await alerts.resolve(self.services, submission.follow_up_id, who, submission.note)

    # ------------------------------------------------------------------ closing in Slack

    async def reaction_added(self, event: Payload) -> None:
        item = event.get("item") or {}
        if event.get("reaction") not in CLOSING_REACTIONS or item.get("type") != "message":
            return
        channel, ts = str(item.get("channel")), str(item.get("ts"))
        team = await self._help_team(channel)
        if team is None:
            return  # reactions anywhere else mean nothing to ratebot
        closer = await self._person(str(event["user"]))
        if not await self._helps_in(team, closer):
            return  # a colleague's check mark is not a close
        message = await self.chat.message_in(channel, ts)
        if message is None or not inbound.is_first_message(message):
            return
        await self._close(team, channel, message, closer)

    async def close_shortcut(self, body: Payload) -> None:
        channel = str(body["channel"]["id"])
        closer = str(body["user"]["id"])
        team = await self._help_team(channel)
        if team is None:
            await self.chat.ephemeral(channel, closer, plain_message(
                "This channel is no team's help channel. An admin can make it one with "
                "`/ratings team set <team> help-channel #channel`."))
            return
        agent = await self._person(closer)
        if not await self._helps_in(team, agent):
            await self.chat.ephemeral(channel, closer, plain_message(
                f"Only agents of {team.display_name} can close requests here. An admin can "
                f"add you with `/ratings agent map @you {team.name}`."))
            return
        message: Payload = body.get("message") or {}
        if not inbound.is_first_message(message) or not message.get("user"):
            await self.chat.ephemeral(channel, closer, plain_message(
                "Use this on the message that opened the request."))
            return
        prompt_status = await self._close(team, channel, message, agent)
        who = mention(str(message["user"]))
        if prompt_status is PromptStatus.PENDING:
            note = f"Closed. {who} will be asked to rate {escape(team.display_name)}."
        else:
            note = f"Closed. {who} will not be asked this time."
        await self.chat.ephemeral(channel, closer, Message(note, [
            {"type": "section", "text": {"type": "mrkdwn", "text": note}}]))

    async def _help_team(self, channel: str) -> Team | None:
        for team in await self.store.list_teams():
            if team.channel("slack", "help") == channel:
                return team
        return None

    async def _helps_in(self, team: Team, person: Person) -> bool:
        return any(agent.id == person.id for _, agent in await self.store.list_agents(team.name))

    async def _close(self, team: Team, channel: str, message: Payload,
                     closer: Person) -> PromptStatus:
        requester = self._identity(await self._person(str(message["user"])))
        agent = self._identity(closer)
        event = inbound.close_in_channel(
            team=team.name, channel=channel, message=message, requester=requester,
            agent=agent, at=self.services.clock.now(),
        )
        outcome = await conversation_closed(self.services, event)
        return outcome.prompt.status

    # ------------------------------------------------------------------ commands and home

    async def command(self, ack: Ack, body: Payload, respond: Ack) -> None:
        user = str(body["user_id"])
        try:
            identity = self._identity(await self._person(user))
        except DeliveryError as exc:
            # Without Slack's profile the id still identifies them (admins by id, opt-out).
            log.warning("slack command: no profile for the caller: %s", exc.reason)
            identity = PersonIdentity(slack_user_id=user)
        ctx = CommandContext(self.services, self.env_admins, escape=escape, mention=mention,
                             resolve=self._resolve)
        caller = Caller(identity, actor=f"slack:{user}")
        work = asyncio.ensure_future(execute(ctx, parse(str(body.get("text") or "")), caller))
        try:
            reply = await asyncio.wait_for(asyncio.shield(work), timeout=self.ack_budget)
        except TimeoutError:
            # Slack gives a command 3 seconds. A slow one (a digest drawn and posted, a big
            # export) is acknowledged now and answered through the response URL when done.
            locale = self.chat.locale_of(await self.store.find_person(slack_user_id=user))
            await ack(text=text("command.working", locale), response_type="ephemeral")
            reply = await work
            await respond(text=reply.text, response_type="ephemeral", replace_original=False)
        else:
            await ack(text=reply.text, response_type="ephemeral")
        if reply.file is not None:
            file = reply.file
            await self.chat.send_file(user, file.filename, file.content, file.comment)

    async def _resolve(self, ref: str) -> PersonIdentity:
        if "@" in ref:
            found = await self.store.find_person(email=ref)
            return self._identity(found) if found else PersonIdentity(email=ref)
        return self._identity(await self._person(ref))

    async def publish_home(self, user_id: str) -> None:
        person = await self._person(user_id)
        admin = is_admin(self._identity(person), await admins_of(
            CommandContext(self.services, self.env_admins)))
        home = await gather(self.services, person, admin=admin)
        await self.chat.publish_home(user_id, home_view(home, self.chat.locale_of(person)))
