"""Reaching a person in Teams: their stored 1:1 chat, or one the bot opens in their tenant.

Teams lets a bot message someone only through a conversation reference: one stored when
the person installed the app or wrote to the bot, or a 1:1 conversation the bot creates
from the person's Teams id (looked up by email in the rosters of the teams the bot is in).
That conversation is created in the person's own Microsoft 365 tenant (learned from what
they sent, or the roster they were found in), else in the one tenant configured
(`MicrosoftAppTenantId`), never in another person's. Where Microsoft Graph may install the
app, a person the bot cannot reach gets it installed first (`graph.GraphInstaller`).

In Bot Framework Emulator mode (no app id) only the chats the Emulator opened are known:
a prompt for anyone else waits, pending, until they open one.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import ChannelAccount, ConversationParameters, ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams.graph import GraphInstaller
from bot.domain.identity import PersonIdentity
from bot.domain.model import Person
from bot.domain.platform_refs import TeamsConversation
from bot.flows.contact_book import ContactBook
from bot.flows.delivery import NOT_INSTALLED
from bot.ports.chat import (
    AwaitingRecipient,
    DeliveryError,
    PermanentDeliveryError,
    RecipientUnreachable,
    TransientDeliveryError,
)

CHANNEL_ID = "msteams"
NO_TENANT = ("the person's Microsoft 365 tenant is not known (they have not written to the "
             "bot yet, and MicrosoftAppTenantId is not set)")
AWAITING_CHAT = ("waiting for the person to open a chat with the bot "
                 "(Bot Framework Emulator mode)")
# How often a prompt waiting for an Emulator chat looks again.
EMULATOR_RECHECK_SECONDS = 60.0

# Runs `logic` in the conversation of a stored reference (the outbound port's own call).
Continue = Callable[[dict[str, Any], Callable[[TurnContext], Awaitable[None]]], Awaitable[None]]


class AwaitingChat(AwaitingRecipient):
    """Emulator mode: nobody can be messaged before they open a chat. The prompt waits,
    pending, without using an attempt, and looks again."""


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


class PersonalChats:
    """Finds or opens the 1:1 chat a prompt goes to; keeps what it learns in `contacts`."""

    def __init__(
        self, adapter: BotAdapter, contacts: ContactBook, in_conversation: Continue, *,
        app_id: str, tenant_id: str | None, emulator: bool = False,
        installer: GraphInstaller | None = None,
    ) -> None:
        self._adapter = adapter
        self._contacts = contacts
        self._continue = in_conversation
        self._app_id = app_id
        self._tenant_id = tenant_id
        self._emulator = emulator
        self._installer = installer

    async def reference(self, person: Person) -> dict[str, Any]:
        """The reference to send the person's prompt through, or a `DeliveryError`."""
        stored = await self._contacts.personal_conversation(person.id)
        if stored is not None:
            reference: dict[str, Any] = json.loads(stored.reference)
            return reference
        if self._emulator:
            raise AwaitingChat(AWAITING_CHAT, retry_after=EMULATOR_RECHECK_SECONDS)
        member_id = person.teams_user_id or person.teams_aad_object_id
        # Their own tenant; else the one tenant served. Never another person's.
        tenant = person.teams_tenant_id or self._tenant_id
        if member_id is None and person.email:
            found = await self._find_by_email(person, tenant)
            if found is not None:
                member_id, tenant = found
        installable = self._installer is not None and bool(
            person.teams_aad_object_id or person.email)
        if member_id is None and not installable:
            raise RecipientUnreachable(NOT_INSTALLED)
        if tenant is None:
            raise RecipientUnreachable(NO_TENANT)
        # Where a chat is opened from: a service URL and the bot's account, nothing else.
        home = (await self._contacts.newest_conversation(tenant)
                or await self._contacts.newest_conversation(None))
        if home is None:
            raise RecipientUnreachable(NOT_INSTALLED)
        if member_id is not None:
            try:
                return await self._create(person, member_id, tenant, home)
            except RecipientUnreachable:
                if not installable:
                    raise
        return await self._install(person, tenant, home)

    async def _find_by_email(
        self, person: Person, tenant: str | None
    ) -> tuple[str, str | None] | None:
        """Look the person up in the rosters of the teams the bot is in; keep their ids.

        Their member id, and the tenant of the team they were found in (theirs).
        """
        assert person.email is not None
        for team in await self._contacts.team_conversations(tenant):
            try:
                member = await self._member(team, person.email)
            except PermanentDeliveryError:
                continue  # not in this team (404), or the bot was removed from it
            if member is None or not getattr(member, "id", None):
                continue
            found_in = team.tenant_id or getattr(member, "tenant_id", None) or tenant
            await self._contacts.learned(
                PersonIdentity(
                    email=person.email,
                    teams_user_id=member.id,
                    teams_aad_object_id=getattr(member, "aad_object_id", None),
                    teams_tenant_id=found_in,
                )
            )
            return str(member.id), found_in
        return None

    async def _member(self, team: TeamsConversation, email: str) -> Any:
        found: list[Any] = []

        async def lookup(context: TurnContext) -> None:
            found.append(await TeamsInfo.get_team_member(context, str(team.team_id), email))

        await self._continue(json.loads(team.reference), lookup)
        return found[0] if found else None

    async def _create(
        self, person: Person, member_id: str, tenant: str, home: TeamsConversation
    ) -> dict[str, Any]:
        known = json.loads(home.reference)
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount().deserialize(known.get("bot") or {}),
            members=[ChannelAccount(id=member_id)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}},
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
        return await self._opened(person, serialized, tenant, home.service_url)

    async def _install(
        self, person: Person, tenant: str, home: TeamsConversation
    ) -> dict[str, Any]:
        """Install the app for the person through Graph; the installation opened their chat."""
        assert self._installer is not None
        user = person.teams_aad_object_id or person.email
        assert user is not None
        chat_id = await self._installer.personal_chat(tenant, user)
        bot = json.loads(home.reference).get("bot") or {"id": f"28:{self._app_id}"}
        reference: dict[str, Any] = {
            "bot": bot,
            "channelId": CHANNEL_ID,
            "serviceUrl": home.service_url,
            "conversation": {"id": chat_id, "tenantId": tenant, "conversationType": "personal"},
        }
        member_id = person.teams_user_id or person.teams_aad_object_id
        if member_id is not None:
            reference["user"] = {"id": member_id}
        return await self._opened(person, reference, tenant, home.service_url)

    async def _opened(
        self, person: Person, serialized: dict[str, Any], tenant: str, service_url: str
    ) -> dict[str, Any]:
        await self._contacts.opened(
            TeamsConversation(
                conversation_id=str(serialized["conversation"]["id"]),
                kind="personal",
                tenant_id=tenant,
                service_url=service_url,
                reference=json.dumps(serialized, sort_keys=True),
                person_id=person.id,
            )
        )
        return serialized
