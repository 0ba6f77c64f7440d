"""What each Teams activity does: translate (activities), call the core, say what to answer.

The result is a `TurnResult` that `app` carries out through the SDK: an invoke response,
an update of the card that was clicked, or a reply. One error boundary per activity: a
person sees a safe message, never a traceback.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity

from adapters.teams import activities, cards
from adapters.teams.clicks import CardClicks
from adapters.teams.closing import NOT_A_HELP_CHANNEL, HelpChannels, is_close, thread_id
from adapters.teams.commanding import TeamsCommands
from adapters.teams.escape import escape
from bot.domain.errors import StoreUnavailable, UserFacingError
from bot.domain.identity import PersonIdentity
from bot.domain.model import Person
from bot.domain.platform_refs import TeamsConversation
from bot.domain.texts import locale_for, text
from bot.domain.untrusted import loggable
from bot.ports.store import Store
from bot.services import Services

log = logging.getLogger(__name__)

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


def task_message(note: str) -> dict[str, Any]:
    """A message action's answer: a short message in a dialog."""
    return {"task": {"type": "message", "value": note}}


def delivery_key(activity: Activity) -> str | None:
    """A stable key for a delivered activity: Teams replays carry the same ids."""
    if not activity.id or activity.conversation is None:
        return None
    digest = hashlib.sha256(f"{activity.conversation.id}\n{activity.id}".encode()).hexdigest()
    return "teams:" + digest[:48]


class TeamsInbound:
    def __init__(
        self, services: Services, store: Store, *, env_admins: tuple[str, ...] = ()
    ) -> None:
        self.services = services
        self.store = store
        self.locale = services.policy.locale
        self.clicks = CardClicks(services, store)
        self.commands = TeamsCommands(services, store, env_admins=env_admins)
        self.help = HelpChannels(services, store)

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
            log.exception("teams %s activity failed", loggable(activity.type))
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
            return await self.message_action(activity, lookup)
        action = activities.card_action(activity)
        if action is not None:
            if not replay:
                await self.remember(activity, lookup)

            async def identify() -> PersonIdentity:
                return await self.identify(activity, lookup)

            card = await self.clicks.click(action, activities.sender_of(activity), identify,
                                           self._locale(activity), replay=replay)
            if action.execute:
                return TurnResult(invoke=card_response(card))
            return TurnResult(update=card)
        if kind == "message" and not replay:
            await self.remember(activity, lookup)
            return await self.message(activity, lookup)
        if kind == "invoke":
            return TurnResult(invoke=message_response(""))
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

    # ------------------------------------------------------------------ messages

    async def message(self, activity: Activity, lookup: Lookup | None) -> TurnResult:
        typed = activities.message_text(activity)
        words = typed.split(None, 1)
        prefixed = bool(words) and words[0].lower() == COMMAND_PREFIX
        if prefixed:
            typed = words[1] if len(words) > 1 else ""
        if activities.kind_of(activity) != "channel":
            return await self.command(activity, typed, lookup)  # a chat with the bot
        channel, root = activities.thread_root(str(activity.conversation.id))
        starts_thread = root is None or root == activity.id
        if not starts_thread and is_close(typed):
            team = await self.help.help_team(channel)
            if team is None:
                return TurnResult()  # "close" anywhere else means nothing to ratebot
            agent = await self.identify(activity, lookup)
            return TurnResult(reply=await self.help.close_thread(
                team, str(activity.conversation.id), agent))
        if prefixed:
            return await self.command(activity, typed, lookup)
        if starts_thread and activity.from_property is not None and await self.help.help_team(
            channel
        ):
            # The first author of a thread is the person who asked for help, even when
            # they @mention the bot in it.
            thread = thread_id(channel, root or str(activity.id))
            await self.help.thread_started(thread, await self.identify(activity, lookup))
            return TurnResult()
        if activities.mentions_bot(activity):
            return await self.command(activity, typed, lookup)
        return TurnResult()

    async def command(self, activity: Activity, typed: str, lookup: Lookup | None) -> TurnResult:
        here = None
        if activities.kind_of(activity) == "channel":
            here = activities.conversation_record(activity, None).reference
        who = await self.identify(activity, lookup)
        return TurnResult(reply=await self.commands.run(typed, who, here))

    async def message_action(self, activity: Activity, lookup: Lookup | None) -> TurnResult:
        """The message action "Close and ask for a rating" on a help channel message."""
        found = activities.message_action_close(activity)
        channel, _ = activities.thread_root(str(activity.conversation.id))
        team = await self.help.help_team(channel)
        if found is None or team is None:
            return TurnResult(invoke=task_message(NOT_A_HELP_CHANNEL))
        thread = thread_id(channel, found.message_id or str(activity.id))
        agent = await self.identify(activity, lookup)
        return TurnResult(invoke=task_message(
            await self.help.close_message(team, thread, found, agent)))


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
