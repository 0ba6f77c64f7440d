"""What each Teams activity does: translate (activities), call the core, render (cards).

The result is a `TurnResult` that `app` carries out through the SDK: an invoke response,
an update of the card that was clicked, or a reply. One error boundary per activity: a
person sees a safe message, never a traceback.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity

from adapters.teams import activities, cards
from adapters.teams.activities import CardAction
from adapters.teams.directory import TeamsConversation, TeamsStore
from adapters.teams.escape import escape, teams_markdown
from bot import alerts
from bot.admin import CHANNEL_OPTIONS
from bot.asking import conversation_closed
from bot.command_handlers import Caller, CommandContext, admins_of, execute, is_admin
from bot.commands import SetTeamOption, parse
from bot.errors import (
    InvalidValue,
    NotRecipient,
    PromptExpired,
    StoreUnavailable,
    UserFacingError,
)
from bot.events import ConversationClosed
from bot.model import Person, PromptStatus, Team
from bot.ports import PersonIdentity, PromptUpdate
from bot.recording import add_comment, record_rating
from bot.services import Services
from bot.texts import locale_for, text

log = logging.getLogger(__name__)

SOURCE = "teams"
CLOSE_WORDS = frozenset({"close", "closed", "sluiten", "gesloten"})
COMMAND_PREFIX = "ratings"
CARD_RESPONSE = "application/vnd.microsoft.card.adaptive"
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
# Reads the sender's roster entry (email, UPN) through the SDK, when the adapter can.
Lookup = Callable[[], Awaitable[PersonIdentity | None]]


@dataclass(frozen=True, slots=True)
class TurnResult:
    """What the bot answers: at most one of each."""

    invoke: dict[str, Any] | None = None  # the body of the invoke response (status 200)
    update: cards.Card | None = None  # replaces the card the activity replied to
    reply: cards.Card | str | None = None  # a new message in the conversation (thread)


def card_response(card: cards.Card) -> dict[str, Any]:
    """The `adaptiveCard/action` answer that replaces the clicked card."""
    return {"statusCode": 200, "type": CARD_RESPONSE, "value": card}


def message_response(message: str) -> dict[str, Any]:
    """The `adaptiveCard/action` answer that keeps the card and shows a short message."""
    return {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": message}


def delivery_key(activity: Activity) -> str | None:
    """A stable key for a delivered activity: Teams replays carry the same ids."""
    if not activity.id or activity.conversation is None:
        return None
    digest = hashlib.sha256(f"{activity.conversation.id}\n{activity.id}".encode()).hexdigest()
    return "teams:" + digest[:48]


def mention(identifier: str) -> str:
    return escape(identifier)


class TeamsInbound:
    def __init__(
        self, services: Services, store: TeamsStore, *, env_admins: tuple[str, ...] = ()
    ) -> None:
        self.services = services
        self.store = store
        self.env_admins = env_admins
        self.locale = services.policy.locale

    # ------------------------------------------------------------------ the boundary

    async def handle(self, activity: Activity, lookup: Lookup | None = None) -> TurnResult:
        """One error boundary per activity."""
        key = delivery_key(activity)
        replay = key is not None and not await self.store.first_delivery(
            key, at=self.services.clock.now()
        )
        try:
            return await self._dispatch(activity, replay=replay, lookup=lookup)
        except StoreUnavailable:
            raise  # the endpoint answers 503 and Teams delivers again
        except UserFacingError as error:
            return self._answer(activity, str(error))
        except Exception:
            log.exception("teams %s activity failed", activity.type)
            return self._answer(activity, text("apology", self._locale(activity)))

    def _answer(self, activity: Activity, message: str) -> TurnResult:
        if activity.type == "invoke":
            return TurnResult(invoke=message_response(message))
        return TurnResult(reply=escape(message))

    def _locale(self, activity: Activity) -> str:
        return locale_for(activities.locale_of(activity), self.locale)

    async def _dispatch(
        self, activity: Activity, *, replay: bool, lookup: Lookup | None
    ) -> TurnResult:
        kind = activity.type
        if kind in ("installationUpdate", "conversationUpdate"):
            if activities.bot_was_added(activity) and not replay:
                await self.remember(activity, lookup)
            return TurnResult()
        if kind == "invoke" and activity.name == "composeExtension/submitAction":
            if replay:
                return TurnResult(invoke={})
            return await self.close_from_message_action(activity, lookup)
        action = activities.card_action(activity)
        if action is not None:
            if not replay:
                await self.remember(activity, lookup)
            return await self.card_action(activity, action, replay=replay, lookup=lookup)
        if kind == "message" and not replay:
            await self.remember(activity, lookup)
            return await self.message(activity, lookup)
        if kind == "invoke":
            return TurnResult(invoke={"statusCode": 200, "type": MESSAGE_RESPONSE, "value": ""})
        return TurnResult()

    # ------------------------------------------------------------------ knowing people

    async def remember(self, activity: Activity, lookup: Lookup | None = None) -> Person | None:
        """Store the conversation's reference and, for a person, who they are.

        The first time someone is seen, their email comes from the roster (`lookup`): it
        links them to the person a helpdesk webhook names by email.
        """
        person: Person | None = None
        if activity.from_property is not None and activities.kind_of(activity) == "personal":
            sender = activities.sender_of(activity)
            known = await self.store.find_person(teams_user_id=sender.teams_user_id)
            # Writes take the database's write lock: skip them when nothing is new.
            if known is not None and known.email and _same_person(known, sender):
                person = known
            else:
                person = await self.services.store.upsert_person(
                    await self.identify(activity, lookup)
                )
        if activity.service_url and activity.conversation and activity.conversation.id:
            record = activities.conversation_record(activity, person.id if person else None)
            stored = await self.store.teams_conversation(record.conversation_id)
            if stored is None or _news(stored, record):
                await self.store.save_teams_conversation(record, at=self.services.clock.now())
        return person

    async def identify(self, activity: Activity, lookup: Lookup | None) -> PersonIdentity:
        """The sender, with their email when the store or the roster knows it."""
        sender = activities.sender_of(activity)
        if not sender.teams_user_id:
            return sender
        known = await self.store.find_person(teams_user_id=sender.teams_user_id)
        if known is not None and known.email:
            return dataclasses.replace(sender, email=known.email)
        found = await lookup() if lookup is not None else None
        if found is not None and found.email:
            return dataclasses.replace(sender, email=found.email)
        return sender

    # ------------------------------------------------------------------ card clicks

    async def card_action(
        self, activity: Activity, action: CardAction, *, replay: bool, lookup: Lookup | None
    ) -> TurnResult:
        locale = self._locale(activity)
        verb = action.verb
        if verb == cards.RATE:
            card = await self.rate(activity, action, locale, replay=replay)
        elif verb == cards.COMMENT:
            card = await self.comment(activity, action, locale, replay=replay)
        elif verb == cards.OPTOUT:
            card = await self.opt_out(activity, locale, replay=replay)
        elif verb in (cards.CLAIM, cards.RESOLVE):
            card = await self.follow_up(activity, action, replay=replay, lookup=lookup)
        else:
            raise InvalidValue("That button is not one of ratebot's.")
        if action.execute:
            return TurnResult(invoke=card_response(card))
        return TurnResult(update=card)

    async def rate(
        self, activity: Activity, action: CardAction, locale: str, *, replay: bool
    ) -> cards.Card:
        prompt_id, score = action.integer("prompt"), action.integer("score")
        receipt = action.string("receipt")
        if prompt_id is None or score is None:
            raise InvalidValue("That button is not one of ratebot's.")
        prompt = await self.store.rating_prompt(prompt_id)
        if replay:
            # Already recorded: show the card again, record nothing twice.
            if prompt is None:
                return cards.notice_card(text("prompt.not_yours", locale))
            return cards.rated_card(PromptUpdate(prompt, score=score, receipt=receipt), locale)
        try:
            result = await record_rating(
                self.services, prompt_id, activities.sender_of(activity), score, receipt
            )
        except UserFacingError as refusal:
            return self._refusal(refusal, prompt, locale)
        if prompt is None:
            return cards.notice_card(text("prompt.thanks", locale, score=score))
        update = PromptUpdate(prompt, score=result.rating.score, comment=result.rating.comment,
                              receipt=result.receipt)
        if result.follow_up_id is not None:
            await alerts.alert_detractor(self.services, result.follow_up_id)
        return cards.rated_card(update, locale)

    def _refusal(self, refusal: UserFacingError, prompt: Any, locale: str) -> cards.Card:
        if isinstance(refusal, PromptExpired):
            reason = text("prompt.expired", locale)
        elif isinstance(refusal, NotRecipient):
            reason = text("prompt.not_yours", locale)
        else:
            reason = str(refusal)
        if prompt is not None and isinstance(refusal, PromptExpired):
            return cards.notice_card(reason, PromptUpdate(prompt, notice=reason), locale)
        return cards.notice_card(reason)

    async def comment(
        self, activity: Activity, action: CardAction, locale: str, *, replay: bool
    ) -> cards.Card:
        prompt_id = action.integer("prompt")
        receipt = action.string("receipt")
        if prompt_id is None:
            raise InvalidValue("That button is not one of ratebot's.")
        prompt = await self.store.rating_prompt(prompt_id)
        typed = str(action.data.get(cards.COMMENT_INPUT) or "")
        if replay and prompt is not None:
            update = PromptUpdate(prompt, score=action.integer("score"), comment=typed.strip())
            return cards.thanks_card(update, locale) if update.score is not None else (
                cards.notice_card(text("prompt.your_comment", locale) + " " + typed.strip()))
        try:
            rating = await add_comment(
                self.services, prompt_id, activities.sender_of(activity), typed, receipt
            )
        except InvalidValue as problem:
            if prompt is None:
                raise
            # Keep the comment box: the person can fix the text and send it again.
            score = action.integer("score")
            update = PromptUpdate(prompt, score=score, comment=typed, receipt=receipt)
            card = cards.rated_card(update, locale) if score is not None else (
                cards.notice_card(str(problem)))
            card["body"].append(cards.text_block(escape(str(problem)), color="Attention"))
            return card
        except UserFacingError as refusal:
            return self._refusal(refusal, prompt, locale)
        await alerts.comment_added(self.services, rating)
        if prompt is None:
            return cards.notice_card(text("prompt.thanks", locale, score=rating.score))
        update = PromptUpdate(prompt, score=rating.score, comment=rating.comment, receipt=receipt)
        return cards.thanks_card(update, locale)

    async def opt_out(self, activity: Activity, locale: str, *, replay: bool) -> cards.Card:
        person = await self.services.store.upsert_person(activities.sender_of(activity))
        if not replay:
            await self.services.store.set_opted_out(person.id, True, at=self.services.clock.now())
        return cards.notice_card(text("optout.done", locale).replace("/ratings", "ratings"))

    async def follow_up(
        self, activity: Activity, action: CardAction, *, replay: bool, lookup: Lookup | None
    ) -> cards.Card:
        follow_up_id = action.integer("follow_up")
        if follow_up_id is None:
            raise InvalidValue("That button is not one of ratebot's.")
        who = await self.identify(activity, lookup)
        if replay:
            alert = await alerts.refresh(self.services, follow_up_id)
        elif action.verb == cards.CLAIM:
            alert = await alerts.claim(self.services, follow_up_id, who)
        else:
            note = action.string(cards.NOTE_INPUT)
            alert = await alerts.resolve(self.services, follow_up_id, who, note)
        return cards.alert_card(alert, self.locale)

    # ------------------------------------------------------------------ messages

    async def message(self, activity: Activity, lookup: Lookup | None) -> TurnResult:
        typed = activities.message_text(activity)
        words = typed.split(None, 1)
        is_command = bool(words) and words[0].lower() == COMMAND_PREFIX
        if is_command:
            typed = words[1] if len(words) > 1 else ""
        if activities.kind_of(activity) != "channel":
            return await self.command(activity, typed, lookup)
        if is_command:
            return await self.command(activity, typed, lookup)
        return await self.channel_message(activity, typed, lookup)

    async def channel_message(
        self, activity: Activity, typed: str, lookup: Lookup | None
    ) -> TurnResult:
        """A help channel: remember who starts each thread; `close` in a thread closes it."""
        channel, root = activities.thread_root(str(activity.conversation.id))
        if root is None or root == activity.id:
            # The first author of a thread is the person who asked for help.
            if activity.from_property is not None and await self._help_team(channel):
                person = await self.services.store.upsert_person(
                    await self.identify(activity, lookup)
                )
                thread = f"{channel};messageid={root or activity.id}"
                await self.store.save_teams_thread(thread, person.id, at=self.services.clock.now())
            return TurnResult()
        if typed.lower().strip(" .!") in CLOSE_WORDS:
            return await self.close_thread(activity, channel, str(activity.conversation.id),
                                           lookup)
        return TurnResult()

    async def command(self, activity: Activity, typed: str, lookup: Lookup | None) -> TurnResult:
        sender = await self.identify(activity, lookup)
        caller = Caller(sender, actor=f"teams:{sender.teams_aad_object_id or sender.teams_user_id}")
        ctx = CommandContext(self.services, self.env_admins, escape=escape, mention=mention,
                             resolve=self._resolve)
        command = parse(typed)
        if isinstance(command, SetTeamOption) and command.option in CHANNEL_OPTIONS:
            return TurnResult(reply=await self.set_channel(activity, ctx, command, caller))
        reply = await execute(ctx, command, caller)
        answer = teams_markdown(reply.text)
        if reply.file is not None:
            # Sending a file in Teams needs the file-consent flow and SharePoint: not here.
            answer = (f"{reply.file.comment} Files can't be sent in Teams: run "
                      "`ratebot export` on the server, or use `/ratings export` in Slack.")
        return TurnResult(reply=answer)

    async def set_channel(
        self, activity: Activity, ctx: CommandContext, command: SetTeamOption, caller: Caller
    ) -> str:
        """`team set <team> alert-channel here`: this Teams channel becomes the team's."""
        if not is_admin(caller.identity, await admins_of(ctx)):
            return teams_markdown((await execute(ctx, command, caller)).text)
        value = command.value.strip().lower()
        purpose = CHANNEL_OPTIONS[command.option]
        if value in ("none", "off", "-"):
            ref = None
        elif value == "here" and activities.kind_of(activity) == "channel":
            ref = activities.conversation_record(activity, None).reference
        else:
            raise InvalidValue(
                f"In Teams, send `ratings team set {command.team} {command.option} here` in "
                "the channel itself (or `none` to clear it)."
            )
        team = await self.services.store.set_team_channel(
            command.team, SOURCE, purpose, ref, actor=caller.actor, at=self.services.clock.now()
        )
        what = "no longer has" if ref is None else "now uses this channel as its"
        return f"`{escape(team.name)}` {what} {escape(purpose)} channel in Teams."

    async def _resolve(self, ref: str) -> PersonIdentity:
        if "@" in ref:
            found = await self.store.find_person(email=ref)
        else:
            found = await self.store.find_person(teams_user_id=ref)
        if found is None:
            return PersonIdentity(email=ref) if "@" in ref else PersonIdentity(teams_user_id=ref)
        return PersonIdentity(email=found.email, display_name=found.display_name,
                              teams_user_id=found.teams_user_id,
                              teams_aad_object_id=found.teams_aad_object_id)

    # ------------------------------------------------------------------ closing in Teams

    async def _help_team(self, channel: str) -> Team | None:
        for team in await self.store.list_teams():
            ref = team.channel(SOURCE, "help")
            if ref is not None and _conversation_id(ref) == channel:
                return team
        return None

    async def close_thread(
        self, activity: Activity, channel: str, thread: str, lookup: Lookup | None
    ) -> TurnResult:
        """An agent replied `close` in a request's thread in a help channel."""
        team = await self._help_team(channel)
        if team is None:
            return TurnResult()  # "close" anywhere else means nothing to ratebot
        requester = await self.store.teams_thread_author(thread)
        if requester is None:
            return TurnResult(reply=escape(
                "I don't know who started this thread (it began before ratebot was in this "
                "channel), so nobody will be asked."))
        agent = await self.identify(activity, lookup)
        status = await self._close(team, thread, requester, agent, None)
        return TurnResult(reply=self._closed_note(team, requester, status))

    async def close_from_message_action(
        self, activity: Activity, lookup: Lookup | None
    ) -> TurnResult:
        """The message action "Close and ask for a rating" on a help channel message."""
        found = activities.message_action_close(activity)
        channel, _ = activities.thread_root(str(activity.conversation.id))
        team = await self._help_team(channel)
        if found is None or team is None:
            note = ("This channel is no team's help channel. An admin can make it one with "
                    "`ratings team set <team> help-channel here`, sent in the channel.")
            return TurnResult(invoke=_task_message(note))
        requester = await self.services.store.upsert_person(found.author)
        thread = f"{channel};messageid={found.message_id or activity.id}"
        status = await self._close(
            team, thread, requester, await self.identify(activity, lookup), found.subject
        )
        return TurnResult(invoke=_task_message(self._closed_note(team, requester, status)))

    async def _close(
        self, team: Team, thread: str, requester: Person, agent: PersonIdentity,
        subject: str | None,
    ) -> PromptStatus:
        closer = await self.services.store.upsert_person(agent)
        event = ConversationClosed(
            source=SOURCE,
            ticket_id=thread,
            requester_email=requester.email,
            team=team.name,
            closed_at=self.services.clock.now(),
            subject=subject,
            agent_email=closer.email,
            agent_name=closer.display_name,
            requester_teams_id=requester.teams_user_id,
            agent_teams_id=closer.teams_user_id,
        )
        outcome = await conversation_closed(self.services, event)
        return outcome.prompt.status

    @staticmethod
    def _closed_note(team: Team, requester: Person, status: PromptStatus) -> str:
        who = escape(requester.display_name or "The requester")
        if status is PromptStatus.PENDING:
            return f"Closed. {who} will be asked to rate {escape(team.display_name)}."
        return f"Closed. {who} will not be asked this time."


def _same_person(known: Person, sender: PersonIdentity) -> bool:
    """Whether storing `sender` would change nothing about `known`."""
    pairs = (
        (known.teams_aad_object_id, sender.teams_aad_object_id),
        (known.display_name, sender.display_name),
        (known.locale, sender.locale),
    )
    return all(new is None or new == old for old, new in pairs)


def _news(stored: TeamsConversation, record: TeamsConversation) -> bool:
    """Whether `record` tells anything the stored reference does not (None tells nothing)."""
    pairs = (
        (stored.reference, record.reference),
        (stored.service_url, record.service_url),
        (stored.tenant_id, record.tenant_id),
        (stored.person_id, record.person_id),
        (stored.team_id, record.team_id),
    )
    return any(new is not None and new != old for old, new in pairs)


def _task_message(note: str) -> dict[str, Any]:
    """A message extension's answer: a short message in a dialog."""
    return {"task": {"type": "message", "value": note}}


def _conversation_id(reference: str) -> str | None:
    try:
        found = json.loads(reference)
        return str(found["conversation"]["id"])
    except (ValueError, KeyError, TypeError):
        return None
