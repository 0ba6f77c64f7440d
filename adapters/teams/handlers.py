"""Each Teams activity: translate (inbound), call its flow, render (render), say what to answer.

The result is a `TurnResult` that `app` carries out through the SDK: an invoke response,
an update of the card that was clicked, or a reply. One error boundary per activity: a
person sees a safe message, never a traceback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity

from adapters.teams import after_score, inbound, render, request_check
from adapters.teams.escape import escape
from adapters.teams.inbound import CardAction
from bot.domain.commands import ForgetMe, MyData, MyRatings, parse
from bot.domain.errors import InvalidValue, StoreUnavailable, UserFacingError
from bot.domain.identity import PersonIdentity
from bot.domain.model import Person, Team
from bot.domain.platform_refs import TeamsConversation
from bot.domain.texts import in_locale, locale_for, text
from bot.domain.untrusted import loggable
from bot.flows.command_handlers import Caller, CommandContext
from bot.flows.contact_book import keeping_conversation, remember_conversation
from bot.flows.interactions import (
    admin_command,
    answering,
    closing_in_chat,
    commenting,
    deliveries,
    following_up,
    forgetting_me,
    my_data,
    my_ratings,
    opting,
    people,
)
from bot.flows.interactions.views import Closed
from bot.flows.recording import Alongside
from bot.services import Services

log = logging.getLogger(__name__)

PLATFORM = SOURCE = "teams"
COMMAND_PREFIX = "ratings"
NOT_OURS = "That button is not one of ratebot's."
# Sent in the channel itself: Teams has no channel picker in a command.
MAKE_HELP_CHANNEL = "“ratings team set <team> help-channel here”"
# Reads the sender's roster entry (email, UPN) through the SDK, when the adapter can.
Lookup = people.Lookup


@dataclass(frozen=True, slots=True)
class TurnResult:
    """What the bot answers: at most one of each."""

    invoke: dict[str, Any] | None = None  # the body of the invoke response (status 200)
    update: render.Card | None = None  # replaces the card the activity replied to
    reply: render.Card | str | None = None  # a new message in the conversation (thread)


class TeamsHandlers:
    def __init__(self, services: Services, *, env_admins: tuple[str, ...] = ()) -> None:
        self.services = services
        self.locale = services.policy.locale
        self.env_admins = env_admins
        self._records = inbound.ConversationRecords()

    # ------------------------------------------------------------------ the boundary

    async def handle(self, activity: Activity, lookup: Lookup | None = None) -> TurnResult:
        """One error boundary per activity."""
        key = inbound.delivery_key(activity)
        action = inbound.card_action(activity)
        # A score's delivery is checked in the answer's own transaction: one fewer.
        scored = action is not None and action.verb == render.RATE
        replay = not scored and not await deliveries.first_time(self.services, key)
        try:
            if action is not None:
                return await self._card_action(activity, action, key, replay=replay,
                                               lookup=lookup)
            return await self._dispatch(activity, replay=replay, lookup=lookup)
        except StoreUnavailable:
            raise  # the endpoint answers 503 and Teams delivers again
        except UserFacingError as error:
            return self._answer(activity, in_locale(str(error), self._locale(activity)))
        except Exception:
            log.exception("teams %s activity failed", loggable(activity.type))
            return self._answer(activity, text("apology", self._locale(activity)))

    def _answer(self, activity: Activity, message: str) -> TurnResult:
        if activity.type == "invoke":
            return TurnResult(invoke=render.message_response(message))
        return TurnResult(reply=escape(message))

    def _locale(self, activity: Activity) -> str:
        return locale_for(inbound.locale_of(activity), self.locale)

    async def _dispatch(
        self, activity: Activity, *, replay: bool, lookup: Lookup | None
    ) -> TurnResult:
        kind = activity.type
        if kind in ("installationUpdate", "conversationUpdate"):
            if inbound.bot_was_added(activity) and not replay:
                await self.remember(activity, lookup)
            return TurnResult()
        if kind == "invoke" and activity.name == "composeExtension/submitAction":
            if replay:
                return TurnResult(invoke={})
            return await self.message_action(activity, lookup)
        if kind == "message" and not replay:
            await self.remember(activity, lookup)
            return await self.message(activity, lookup)
        if kind == "invoke":
            return TurnResult(invoke=render.message_response(""))
        return TurnResult()

    async def _card_action(
        self, activity: Activity, action: CardAction, key: str | None, *, replay: bool,
        lookup: Lookup | None,
    ) -> TurnResult:
        if replay:
            card = await self.click(action, activity, lookup, replay=True, delivery_key=key)
        elif action.verb == render.RATE:
            # The conversation's reference is kept in the score's own transaction.
            _, record = await self._unremembered(activity, lookup)
            card = await self._rate(
                action, inbound.sender_of(activity), replay=False, delivery_key=key,
                alongside=None if record is None else keeping_conversation(self.services, record),
            )
            if record is not None:
                self._records.stored(record)
        else:
            await self.remember(activity, lookup)
            card = await self.click(action, activity, lookup, replay=False, delivery_key=key)
        if action.execute:
            return TurnResult(invoke=render.card_response(card))
        return TurnResult(update=card)

    # ------------------------------------------------------------------ knowing people

    async def remember(self, activity: Activity, lookup: Lookup | None = None) -> Person | None:
        """Store the conversation's reference and, for a person, who they are.

        The first time someone is seen, their email comes from the roster (`lookup`): it
        links them to the person a helpdesk webhook names by email.
        """
        person, record = await self._unremembered(activity, lookup)
        if record is not None:
            await remember_conversation(self.services, record)
            self._records.stored(record)
        return person

    async def _unremembered(
        self, activity: Activity, lookup: Lookup | None
    ) -> tuple[Person | None, TeamsConversation | None]:
        """The stored person who sent `activity` in a personal chat, brought up to date, and
        the conversation's reference unless this process stored just that already."""
        person: Person | None = None
        if activity.from_property is not None and inbound.kind_of(activity) == "personal":
            person = await people.person_of(self.services, inbound.sender_of(activity), lookup,
                                            wants_locale=False)
        if not (activity.service_url and activity.conversation and activity.conversation.id):
            return person, None
        record = self._records.of(activity, person.id if person else None)
        return person, None if self._records.is_stored(record) else record

    async def identify(self, activity: Activity, lookup: Lookup | None) -> PersonIdentity:
        """The sender, with their email when the store or the roster knows it."""
        return await people.identify(self.services, inbound.sender_of(activity), lookup)

    # ------------------------------------------------------------------ card clicks

    async def click(
        self, action: CardAction, activity: Activity, lookup: Lookup | None, *, replay: bool,
        delivery_key: str | None = None,
    ) -> render.Card:
        """The card that replaces the clicked one. A replay records nothing again."""
        sender = inbound.sender_of(activity)
        if action.verb == render.RATE:
            return await self._rate(action, sender, replay=replay, delivery_key=delivery_key)
        if action.verb == render.COMMENT:
            return await self._comment(action, sender, replay=replay)
        if action.verb in after_score.VERBS:  # a set state: a replay changes nothing
            return await after_score.tapped(self.services, action, sender)
        if action.verb in (render.OPTOUT, render.OPTIN):
            done = await opting.opt(self.services, sender,
                                    opted_out=action.verb == render.OPTOUT, replay=replay)
            return render.notice_card(done.notice.replace("/ratings", "ratings"))
        if action.verb == render.MYDATA:
            return await self._my_data_clicked(activity, lookup)
        if action.verb == render.FORGETME:
            return await self._forget_me(activity, lookup)
        if action.verb == request_check.VERB:  # mutual rating: the agent's answer
            return await request_check.tapped(self.services, action, sender, replay=replay)
        if action.verb in (render.CLAIM, render.RESOLVE):
            return await self._follow_up(action, await self.identify(activity, lookup),
                                         replay=replay)
        raise InvalidValue(NOT_OURS)

    async def _rate(self, action: CardAction, sender: PersonIdentity, *, replay: bool,
                    delivery_key: str | None, alongside: Alongside | None = None
                    ) -> render.Card:
        prompt_id, score = action.integer("prompt"), action.integer("score")
        receipt = action.string("receipt")
        if prompt_id is None or score is None:
            raise InvalidValue(NOT_OURS)
        if replay:
            view = await answering.replayed(self.services, prompt_id, sender, score, receipt)
        else:
            view = await answering.answer(self.services, prompt_id, sender, score, receipt,
                                          delivery_key=delivery_key, alongside=alongside)
        return render.answer_card(view)

    async def _comment(self, action: CardAction, sender: PersonIdentity, *, replay: bool
                       ) -> render.Card:
        prompt_id, score = action.integer("prompt"), action.integer("score")
        receipt = action.string("receipt")
        if prompt_id is None:
            raise InvalidValue(NOT_OURS)
        typed = str(action.data.get(render.COMMENT_INPUT) or "")
        if replay and score is not None:
            shown = await commenting.replayed(self.services, prompt_id, sender, typed, score)
            if shown is not None:
                return render.comment_card(shown)
        view = await commenting.comment(self.services, prompt_id, sender, typed, receipt,
                                        score=score)
        if view.fixable and view.update is None:
            raise InvalidValue(view.problem or NOT_OURS)  # no card to keep the text in
        return render.comment_card(view)

    async def _follow_up(
        self, action: CardAction, who: PersonIdentity, *, replay: bool
    ) -> render.Card:
        follow_up_id = action.integer("follow_up")
        if follow_up_id is None:
            raise InvalidValue(NOT_OURS)
        if replay:
            alert = await following_up.shown(self.services, follow_up_id)
        elif action.verb == render.CLAIM:
            alert = await following_up.claim(self.services, follow_up_id, who)
        else:
            note = action.string(render.NOTE_INPUT)
            alert = await following_up.resolve(self.services, follow_up_id, who, note)
        return render.alert_card(alert, self.services.policy.locale)

    # ------------------------------------------------------------------ messages

    async def message(self, activity: Activity, lookup: Lookup | None) -> TurnResult:
        typed = inbound.message_text(activity)
        words = typed.split(None, 1)
        prefixed = bool(words) and words[0].lower() == COMMAND_PREFIX
        if prefixed:
            typed = words[1] if len(words) > 1 else ""
        if inbound.kind_of(activity) != "channel":
            return await self.command(activity, typed, lookup)  # a chat with the bot
        channel, root = inbound.thread_root(str(activity.conversation.id))
        starts_thread = root is None or root == activity.id
        if not starts_thread and inbound.is_close(typed):
            team = await self._help_team(channel)
            if team is None:
                return TurnResult()  # "close" anywhere else means nothing to ratebot
            agent = await self.identify(activity, lookup)
            return TurnResult(reply=await self._close_thread(
                team, str(activity.conversation.id), agent, self._locale(activity)))
        if prefixed:
            return await self.command(activity, typed, lookup)
        if starts_thread and activity.from_property is not None and await self._help_team(
            channel
        ):
            # The first author of a thread is the person who asked for help, even when
            # they @mention the bot in it.
            thread = inbound.thread_id(channel, root or str(activity.id))
            author = await self.identify(activity, lookup)
            await closing_in_chat.thread_started(self.services, thread, author)
            return TurnResult()
        if inbound.mentions_bot(activity):
            return await self.command(activity, typed, lookup)
        return TurnResult()

    async def command(self, activity: Activity, typed: str, lookup: Lookup | None) -> TurnResult:
        if isinstance(parse(typed), (MyData, ForgetMe, MyRatings)):
            return await self._about_me(activity, typed, lookup)
        here = None
        if inbound.kind_of(activity) == "channel":
            here = inbound.conversation_record(activity, None).reference
        who = await self.identify(activity, lookup)
        caller = Caller(who, actor=f"teams:{who.teams_aad_object_id or who.teams_user_id}")
        ctx = CommandContext(self.services, self.env_admins, escape=escape, mention=escape,
                             resolve=self._named)
        reply = await admin_command.run(ctx, typed, caller, admin_command.Here(PLATFORM, here))
        if reply.file is not None:
            # Sending a file in Teams needs the file-consent flow and SharePoint: not here.
            return TurnResult(reply=(
                f"{escape(reply.file.comment)} Files can't be sent in Teams: run "
                "`ratebot export` on the server, or use `/ratings export` in Slack."))
        return TurnResult(reply=render.command_reply(reply.text))

    async def _named(self, ref: str) -> PersonIdentity:
        """A person named in a command, by email or Teams id, as the store knows them."""
        return await people.named(
            self.services, ref, lambda teams_id: PersonIdentity(teams_user_id=teams_id), None
        )

    async def message_action(self, activity: Activity, lookup: Lookup | None) -> TurnResult:
        """The message action "Close and ask for a rating" on a help channel message."""
        found = inbound.message_action_close(activity)
        channel, _ = inbound.thread_root(str(activity.conversation.id))
        team = await self._help_team(channel)
        if found is None or team is None:
            return TurnResult(invoke=render.task_message(text(
                "closing.not_help_channel", self._locale(activity), command=MAKE_HELP_CHANNEL)))
        thread = inbound.thread_id(channel, found.message_id or str(activity.id))
        agent = await self.identify(activity, lookup)
        closed = await closing_in_chat.close_request(
            self.services, source=SOURCE, team=team, ticket_id=thread, requester=found.author,
            closer=agent, subject=found.subject,
        )
        return TurnResult(invoke=render.task_message(_closed_note(closed, self._locale(activity))))

    async def _help_team(self, channel: str) -> Team | None:
        return await closing_in_chat.help_team(self.services, PLATFORM, channel, inbound.channel_of)

    async def _close_thread(
        self, team: Team, thread: str, agent: PersonIdentity, locale: str
    ) -> str:
        """An agent said `close` in the thread: its first author is asked."""
        requester = await closing_in_chat.thread_author(self.services, thread)
        if requester is None:
            return escape(text("closing.unknown_thread", locale))
        closed = await closing_in_chat.close_request(
            self.services, source=SOURCE, team=team, ticket_id=thread,
            requester=people.identity(requester), closer=agent,
        )
        return _closed_note(closed, locale)

    # ------------------------------------------------------------------ my data, forget me

    async def _about_me(self, activity: Activity, typed: str, lookup: Lookup | None
                        ) -> TurnResult:
        """`my data`, `my ratings` and `forget me`: for anyone, about themselves, in their
        personal chat."""
        command = parse(typed)
        if inbound.kind_of(activity) != "personal":
            # A channel would show everyone the data, or a button anyone could click.
            key = "myratings.personal" if isinstance(command, MyRatings) else "mydata.personal"
            return TurnResult(reply=escape(text(key, self._locale(activity))))
        if isinstance(command, MyRatings):
            person = await people.person_of(self.services, inbound.sender_of(activity), lookup,
                                            wants_locale=False)
            page = await my_ratings.home(self.services, person, self.env_admins)
            return TurnResult(reply=render.home_card(page))
        who = await self.identify(activity, lookup)
        if isinstance(command, ForgetMe):
            ask = await forgetting_me.question(self.services, who)
            return TurnResult(reply=render.forget_question_card(ask))
        return TurnResult(reply=render.my_data_card(await my_data.my_data(self.services, who)))

    async def _my_data_clicked(self, activity: Activity, lookup: Lookup | None) -> render.Card:
        """`my ratings`' My data button: the data card replaces the page, in private only."""
        if inbound.kind_of(activity) != "personal":
            return render.notice_card(text("mydata.personal", self._locale(activity)))
        who = await self.identify(activity, lookup)
        return render.my_data_card(await my_data.my_data(self.services, who))

    async def _forget_me(self, activity: Activity, lookup: Lookup | None) -> render.Card:
        """The confirmed `forget me`. A click again finds nobody left, and says so."""
        who = await self.identify(activity, lookup)
        done = await forgetting_me.forget_me(self.services, who)
        return render.notice_card(done.notice, locale=done.locale)


def _closed_note(closed: Closed, locale: str) -> str:
    name = closed.requester.display_name
    return closing_in_chat.closed_note(closed, name and escape(name), escape, locale)
