"""`TeamsChat`: the core's `ChatPort` for Microsoft Teams, over proactive messages.

A prompt goes to the person's 1:1 chat, found or opened by `personal.PersonalChats`;
channel posts go to the channel references stored when the bot was added there.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ConversationReference,
)
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams import render, request_check
from adapters.teams.graph import GraphInstaller
from adapters.teams.personal import PersonalChats, delivery_error
from bot.domain.clock import Clock
from bot.domain.digest import Digest
from bot.domain.digest_text import title
from bot.domain.messages import (
    ChannelMessage,
    DetractorAlert,
    DigestMessage,
    PromptUpdate,
    RatingPrompt,
    TextMessage,
)
from bot.domain.model import Person
from bot.domain.request_checks import RequestCheck
from bot.domain.texts import alert_fallback, locale_for, question_for, text
from bot.flows.contact_book import ContactBook
from bot.ports.charts import ChartRenderer, ChartSize
from bot.ports.chat import (
    ClaimLost,
    SendBegins,
)
from bot.ports.store import Store

log = logging.getLogger(__name__)

# Drawn for the card's width in a Teams chat (about 420 px), at 2x for sharp screens, in
# 32 colours: about 10 KB of PNG, which leaves room for the longest digest text (five
# comments of 2,000 characters).
CARD_CHART = ChartSize.shown_at(420, 210, colors=32)

ChartMaker = Callable[[Digest], bytes | None]


def card_chart(charts: ChartRenderer) -> ChartMaker:
    """Draws a digest's chart with `charts`, small enough to travel inside a Teams card."""
    def draw(digest: Digest) -> bytes | None:
        return charts.render(digest, CARD_CHART)  # read at each call: tests resize it

    return draw


@dataclass(frozen=True, slots=True)
class MessageRef:
    """Where a sent message lives: its conversation's reference and its activity id."""

    reference: dict[str, Any]
    activity_id: str

    def encode(self) -> str:
        return json.dumps({"reference": self.reference, "activity": self.activity_id},
                          sort_keys=True)

    @classmethod
    def decode(cls, value: str) -> MessageRef:
        """Raise ValueError for anything that is not a reference this module wrote."""
        try:
            found = json.loads(value)
            return cls(dict(found["reference"]), str(found["activity"]))
        except (TypeError, KeyError, json.JSONDecodeError) as error:
            raise ValueError("not a Teams message reference") from error


def card_activity(content: render.Card, summary: str | None = None) -> Activity:
    return Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=render.CONTENT_TYPE, content=content)],
        summary=summary,
    )


class TeamsChat:
    """Sends prompts, updates and channel posts to Teams through the Bot Framework."""

    platform = "teams"

    def __init__(
        self,
        adapter: BotAdapter,
        store: Store,
        clock: Clock,
        *,
        app_id: str | None,
        tenant_id: str | None = None,
        default_locale: str = "en",
        chart: ChartMaker | None = None,
        emulator: bool = False,
        installer: GraphInstaller | None = None,
    ) -> None:
        self._adapter = adapter
        self._chart = chart
        self._app_id = app_id or ""
        self._locale = default_locale
        self._installer = installer
        self._personal = PersonalChats(
            adapter, ContactBook(store, clock), self._continue, app_id=self._app_id,
            tenant_id=tenant_id or None, emulator=emulator, installer=installer,
        )

    async def aclose(self) -> None:
        if self._installer is not None:
            await self._installer.aclose()

    # ------------------------------------------------------------------ ChatPort
    async def send_prompt(
        self, prompt: RatingPrompt, *, begin: SendBegins | None = None
    ) -> str:
        reference = await self._personal.reference(prompt.recipient)
        locale = locale_for(prompt.recipient.locale, self._locale)
        summary = text("prompt.fallback", locale, team=prompt.team_display_name,
                       question=question_for(prompt, locale))
        activity = card_activity(render.prompt_card(prompt, locale), summary)
        activity_id = await self._send(reference, activity, personal=True, begin=begin)
        return MessageRef(reference, activity_id).encode()

    async def find_prompt(self, prompt: RatingPrompt, *, since: datetime) -> str | None:
        # A bot cannot read back a chat through the Bot Framework: a send in doubt goes
        # out again (at least once). The doubt is kept to the one POST of the activity.
        return None

    async def update_prompt(self, message_ref: str, update: PromptUpdate) -> None:
        ref = MessageRef.decode(message_ref)
        locale = locale_for(update.prompt.recipient.locale, self._locale)
        await self.update_card(ref, render.prompt_update_card(update, locale))

    async def post_message(self, channel: str, message: ChannelMessage) -> str:
        reference = json.loads(channel)
        if isinstance(message, DetractorAlert):
            activity = card_activity(
                render.alert_card(message, self._locale),
                alert_fallback(message.scale, message.team_display_name, message.score,
                               message.locale or self._locale),
            )
        elif isinstance(message, DigestMessage):
            content = await self._digest_card(message)
            summary = title(message.digest).removeprefix("*").removesuffix("*")
            activity = card_activity(content, summary)
        else:
            activity = Activity(type=ActivityTypes.message, text=message.text,
                                text_format="markdown")
        activity_id = await self._send(reference, activity)
        return MessageRef(reference, activity_id).encode()

    async def update_alert(self, ref: str, alert: DetractorAlert) -> None:
        await self.update_card(MessageRef.decode(ref), render.alert_card(alert, self._locale))

    async def send_direct(self, person: Person, message: TextMessage) -> str:
        # Proactively, to the person's chat with the bot, as prompts are sent.
        reference = await self._personal.reference(person)
        activity = Activity(type=ActivityTypes.message, text=message.text, text_format="plain")
        return MessageRef(reference, await self._send(reference, activity, personal=True)).encode()

    async def send_request_check(self, check: RequestCheck) -> str:
        # Like a prompt: proactively, to the agent's chat with the bot.
        reference = await self._personal.reference(check.agent)
        summary = text("mutual.fallback", check.locale, team=check.team_display_name)
        activity = card_activity(request_check.check_card(check), summary)
        return MessageRef(reference, await self._send(reference, activity, personal=True)).encode()

    async def send_reminder(self, prompt: RatingPrompt, message_ref: str) -> str:
        # The card again, to the chat the prompt went to: its buttons work as the first's.
        reference = MessageRef.decode(message_ref).reference
        locale = locale_for(prompt.recipient.locale, self._locale)
        summary = text("reminder.fallback", locale, team=prompt.team_display_name,
                       question=question_for(prompt, locale))
        activity = card_activity(render.reminder_card(prompt, locale), summary)
        activity_id = await self._send(reference, activity, personal=True)
        return MessageRef(reference, activity_id).encode()

    # ------------------------------------------------------------------ helpers
    async def _digest_card(self, message: DigestMessage) -> render.Card:
        """The core's chart when the card can carry it, else one drawn smaller for Teams.

        The core sends no chart without the `charts` extra (or when drawing failed), and a
        chart that still does not fit is left out: then the card is the text alone.
        """
        content = render.digest_card(message, message.chart_png)
        if message.chart_png is None or render.has_image(content) or self._chart is None:
            return content
        try:
            # Drawing takes a fraction of a second of CPU: keep it off the event loop.
            smaller = await asyncio.to_thread(self._chart, message.digest)
        except Exception:
            log.exception("drawing the Teams digest chart of team %s failed; posting the text",
                          message.digest.team_name)
            return content
        content = render.digest_card(message, smaller)
        if smaller is not None and not render.has_image(content):
            log.warning("the digest chart of team %s is too large for a Teams card; "
                        "posting the text alone", message.digest.team_name)
        return content

    async def update_card(self, ref: MessageRef, content: render.Card) -> None:
        activity = card_activity(content)
        activity.id = ref.activity_id

        async def update(context: TurnContext) -> None:
            await context.update_activity(activity)

        await self._continue(ref.reference, update)

    async def _send(
        self, reference: dict[str, Any], activity: Activity, *, personal: bool = False,
        begin: SendBegins | None = None,
    ) -> str:
        sent: list[str] = []
        lost: list[ClaimLost] = []

        async def send(context: TurnContext) -> None:
            # The continuation activity has a made-up id; the SDK would "reply" to it. A
            # proactive message is a new message (a new thread in a channel).
            context.activity.id = None
            if begin is not None:
                try:
                    await begin()  # after the token and the conversation: only the POST left
                except ClaimLost as error:
                    # Raised outside the SDK's pipeline, whose turn-error handler would eat it.
                    lost.append(error)
                    return
            response = await context.send_activity(activity)
            sent.append(response.id if response and response.id else "")

        await self._continue(reference, send, personal=personal)
        if lost:
            raise lost[0]
        return sent[0]

    async def _continue(
        self,
        reference: dict[str, Any],
        logic: Callable[[TurnContext], Awaitable[None]],
        *,
        personal: bool = False,
    ) -> None:
        conversation = ConversationReference().deserialize(reference)
        try:
            await self._adapter.continue_conversation(conversation, logic, self._app_id)
        except (HttpOperationError, ClientRequestError, OSError, TimeoutError) as error:
            raise delivery_error(error, personal=personal) from error

