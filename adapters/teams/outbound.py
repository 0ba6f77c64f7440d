"""`TeamsChat`: the core's `ChatPort` for Microsoft Teams, over proactive messages.

Teams lets a bot message someone only through a conversation reference: one stored when
the person installed the app or wrote to the bot, or a 1:1 conversation the bot creates
from the person's Teams id (looked up by email in the rosters of the teams the bot is in).
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
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams import render
from bot.domain.clock import Clock
from bot.domain.digest import Digest
from bot.domain.digest_text import title
from bot.domain.identity import PersonIdentity
from bot.domain.messages import (
    ChannelMessage,
    DetractorAlert,
    DigestMessage,
    PromptUpdate,
    RatingPrompt,
)
from bot.domain.model import Person
from bot.domain.platform_refs import TeamsConversation
from bot.domain.texts import alert_fallback, locale_for, question_for, text
from bot.flows.contact_book import ContactBook
from bot.flows.delivery import NOT_INSTALLED
from bot.ports.charts import ChartRenderer, ChartSize
from bot.ports.chat import (
    ClaimLost,
    DeliveryError,
    PermanentDeliveryError,
    RecipientUnreachable,
    SendBegins,
    TransientDeliveryError,
)
from bot.ports.store import Store

log = logging.getLogger(__name__)

CHANNEL_ID = "msteams"
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


def delivery_error(error: Exception, *, personal: bool = False) -> DeliveryError:
    """A connector failure in the core's terms: retry, give up, or "not installed"."""
    if isinstance(error, HttpOperationError):
        status = getattr(error.response, "status_code", None)
        headers = getattr(error.response, "headers", None) or {}
        retry_after = _seconds(headers.get("Retry-After"))
        if status == 429 or (isinstance(status, int) and status >= 500):
            return TransientDeliveryError(f"Teams answered {status}", retry_after=retry_after)
        if personal and status in (403, 404):
            return RecipientUnreachable(NOT_INSTALLED)
        return PermanentDeliveryError(f"Teams answered {status}")
    if isinstance(error, ClientRequestError | OSError | TimeoutError):
        return TransientDeliveryError("Teams could not be reached")
    raise error


def _seconds(value: object) -> float | None:
    try:
        return float(str(value)) if value is not None else None
    except ValueError:
        return None


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
    ) -> None:
        self._adapter = adapter
        self._chart = chart
        self._contacts = ContactBook(store, clock)
        self._app_id = app_id or ""
        self._tenant_id = tenant_id or None
        self._locale = default_locale

    # ------------------------------------------------------------------ ChatPort
    async def send_prompt(
        self, prompt: RatingPrompt, *, begin: SendBegins | None = None
    ) -> str:
        reference = await self._personal_reference(prompt.recipient)
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
                               self._locale),
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

    async def _personal_reference(self, person: Person) -> dict[str, Any]:
        stored = await self._contacts.personal_conversation(person.id)
        if stored is not None:
            reference: dict[str, Any] = json.loads(stored.reference)
            return reference
        member_id = person.teams_user_id or person.teams_aad_object_id
        home = await self._contacts.newest_conversation(self._tenant_id)
        if member_id is None and person.email:
            found = await self._find_by_email(person)
            if found is not None:
                member_id, home = found
        if member_id is None or home is None:
            raise RecipientUnreachable(NOT_INSTALLED)
        return await self._create_personal(person, member_id, home)

    async def _find_by_email(self, person: Person) -> tuple[str, TeamsConversation] | None:
        """Look the person up in the rosters of the teams the bot is in; cache their ids."""
        assert person.email is not None
        for team in await self._contacts.team_conversations(self._tenant_id):
            try:
                member = await self._member(team, person.email)
            except PermanentDeliveryError:
                continue  # not in this team (404), or the bot was removed from it
            if member is None or not getattr(member, "id", None):
                continue
            await self._contacts.learned(
                PersonIdentity(
                    email=person.email,
                    teams_user_id=member.id,
                    teams_aad_object_id=getattr(member, "aad_object_id", None),
                )
            )
            return str(member.id), team
        return None

    async def _member(self, team: TeamsConversation, email: str) -> Any:
        found: list[Any] = []

        async def lookup(context: TurnContext) -> None:
            found.append(await TeamsInfo.get_team_member(context, str(team.team_id), email))

        await self._continue(json.loads(team.reference), lookup)
        return found[0] if found else None

    async def _create_personal(
        self, person: Person, member_id: str, home: TeamsConversation
    ) -> dict[str, Any]:
        known = json.loads(home.reference)
        tenant = home.tenant_id or self._tenant_id
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount().deserialize(known.get("bot") or {}),
            members=[ChannelAccount(id=member_id)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
        )
        created: list[ConversationReference] = []

        async def remember(context: TurnContext) -> None:
            created.append(TurnContext.get_conversation_reference(context.activity))

        try:
            await self._adapter.create_conversation(
                self._app_id, remember, parameters, CHANNEL_ID, home.service_url
            )
        except (HttpOperationError, ClientRequestError, OSError, TimeoutError) as error:
            raise delivery_error(error, personal=True) from error
        reference = created[0]
        reference.activity_id = None
        reference.user = ChannelAccount(id=member_id)
        serialized: dict[str, Any] = reference.serialize()
        serialized.setdefault("conversation", {})["tenantId"] = tenant
        serialized["conversation"]["conversationType"] = "personal"
        await self._contacts.opened(
            TeamsConversation(
                conversation_id=str(reference.conversation.id),
                kind="personal",
                tenant_id=tenant,
                service_url=home.service_url,
                reference=json.dumps(serialized, sort_keys=True),
                person_id=person.id,
            )
        )
        return serialized
