"""Teams activities in, the core's terms out: pure translation of Bot Framework activities.

Functions here read `botbuilder.schema.Activity` objects (data, no SDK behaviour) and
return plain values, the inputs of the interaction flows; they never call the network
or the store.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ConversationReference
from msrest.serialization import Model

from bot.domain.identity import PersonIdentity
from bot.domain.platform_refs import TeamsConversation

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_THREAD = ";messageid="
CLOSE_WORDS = frozenset({"close", "closed", "sluiten", "gesloten"})
EMULATOR = "emulator"  # the channel id of the Bot Framework Emulator's activities


@dataclass(frozen=True, slots=True)
class CardAction:
    """A click on one of ratebot's cards, however it arrived."""

    verb: str  # "rate", "comment", "optout", "claim", "resolve"
    data: dict[str, Any]  # the action's data with the card's input values merged in
    execute: bool  # True: an `adaptiveCard/action` invoke; False: an `Action.Submit` message

    def integer(self, key: str) -> int | None:
        value = self.data.get(key)
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        return None

    def string(self, key: str) -> str | None:
        value = self.data.get(key)
        return value if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class MessageActionClose:
    """The message action "Close and ask for a rating" used on a channel message."""

    author: PersonIdentity  # who wrote the message: the requester
    message_id: str | None
    subject: str | None


def delivery_key(activity: Activity) -> str | None:
    """A stable key for a delivered activity: Teams replays carry the same ids."""
    if not activity.id or activity.conversation is None:
        return None
    digest = hashlib.sha256(f"{activity.conversation.id}\n{activity.id}".encode()).hexdigest()
    return "teams:" + digest[:48]


def channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def tenant_of(activity: Activity) -> str | None:
    """The tenant: botbuilder-schema 4.17 drops `conversation.tenantId`, channelData keeps it."""
    tenant = channel_data(activity).get("tenant")
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
        return str(tenant["id"])
    conversation = activity.conversation
    found = getattr(conversation, "tenant_id", None) if conversation else None
    return found if isinstance(found, str) and found else None


def team_id_of(activity: Activity) -> str | None:
    team = channel_data(activity).get("team")
    if isinstance(team, dict) and isinstance(team.get("id"), str):
        return str(team["id"])
    return None


CONVERSATION_KINDS = frozenset({"personal", "groupChat", "channel"})


def kind_of(activity: Activity) -> str:
    """personal, groupChat or channel. Some clients (and older Teams) leave out
    `conversationType`; a channel's activity still names its team and channel."""
    conversation = activity.conversation
    kind = getattr(conversation, "conversation_type", None) if conversation else None
    if kind in CONVERSATION_KINDS:
        return str(kind)
    # Absent, or a kind Teams does not send: read it from what the activity says instead
    # (it is stored, and only these three mean anything to ratebot).
    data = channel_data(activity)
    if isinstance(data.get("channel"), dict) or isinstance(data.get("team"), dict):
        return "channel"
    if conversation is not None and getattr(conversation, "is_group", None):
        return "groupChat"
    return "personal"


def locale_of(activity: Activity) -> str | None:
    if activity.locale:
        return str(activity.locale)
    for entity in activity.entities or []:
        props = getattr(entity, "additional_properties", None) or {}
        if getattr(entity, "type", None) == "clientInfo" and props.get("locale"):
            return str(props["locale"])
    return None


def timezone_of(activity: Activity) -> str | None:
    """The sender's IANA timezone from the `clientInfo` entity Teams adds to what they send,
    so a new person's first prompt already waits for their working hours."""
    for entity in activity.entities or []:
        props = getattr(entity, "additional_properties", None) or {}
        zone = props.get("timezone")
        if getattr(entity, "type", None) != "clientInfo" or not isinstance(zone, str):
            continue
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return None  # a client's word, not a zone this machine knows: not kept
        return zone
    return None


def identity_of(account: ChannelAccount | None, locale: str | None = None) -> PersonIdentity:
    """Who an account is, as far as Teams says: its Teams id, AAD object id and name."""
    if account is None:
        return PersonIdentity(locale=locale)
    extra = getattr(account, "additional_properties", None) or {}
    # A roster entry (TeamsChannelAccount) has these as attributes; an activity's `from`
    # as extra properties, when at all.
    email = (getattr(account, "email", None) or getattr(account, "user_principal_name", None)
             or extra.get("email") or extra.get("userPrincipalName"))
    # A roster entry names the member's tenant (`tenantId`); an activity's `from` does not.
    tenant = getattr(account, "tenant_id", None) or extra.get("tenantId")
    return PersonIdentity(
        email=email if isinstance(email, str) and "@" in email else None,
        display_name=account.name or None,
        locale=locale,
        teams_user_id=account.id or None,
        teams_aad_object_id=account.aad_object_id or None,
        teams_tenant_id=tenant if isinstance(tenant, str) and tenant else None,
    )


def sender_of(activity: Activity) -> PersonIdentity:
    """The sender, with the tenant they wrote from: a chat the bot opens with them later
    must be opened in their own tenant."""
    who = identity_of(activity.from_property, locale_of(activity))
    if activity.channel_id == EMULATOR and who.email is None and _is_email(who.teams_user_id):
        # The Emulator has no directory: a user id set to an email address (its settings
        # allow any) links the tester to the person a helpdesk names by email.
        who = dataclasses.replace(who, email=who.teams_user_id)
    return dataclasses.replace(who, timezone=timezone_of(activity),
                               teams_tenant_id=tenant_of(activity))


def _is_email(value: str | None) -> bool:
    return value is not None and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) is not None


def thread_root(conversation_id: str) -> tuple[str, str | None]:
    """A channel conversation id split into the channel's id and the thread's root message."""
    channel, _, message = conversation_id.partition(_THREAD)
    return channel, message or None


def conversation_record(activity: Activity, person_id: int | None) -> TeamsConversation:
    """The reference to store for the activity's conversation, fit for proactive sends.

    A channel's reference points at the channel itself, not the thread the activity came
    from, and no reference carries the activity id (a proactive send then starts a new
    message instead of replying) or the person's display name.
    """
    reference = TurnContext.get_conversation_reference(activity)
    reference.activity_id = None
    if reference.user is not None:
        reference.user.name = None
    tenant = tenant_of(activity)
    kind = kind_of(activity)
    conversation_id = str(activity.conversation.id)
    if kind == "channel":
        conversation_id = thread_root(conversation_id)[0]
        reference.conversation.id = conversation_id
        reference.user = None
    serialized = reference_json(reference)
    # Put the tenant back where Teams expects it when the reference is used.
    serialized.setdefault("conversation", {})["tenantId"] = tenant
    return TeamsConversation(
        conversation_id=conversation_id,
        kind=kind,
        tenant_id=tenant,
        service_url=str(activity.service_url),
        reference=json.dumps(serialized, sort_keys=True),
        person_id=person_id if kind == "personal" else None,
        team_id=team_id_of(activity),
    )


# The models a conversation reference holds, written here as msrest writes them.
_ACCOUNTS = (ChannelAccount, ConversationAccount)


def reference_json(reference: ConversationReference) -> dict[str, Any]:
    """`reference.serialize()`, in a fraction of msrest's time (a fifth of a first click).

    msrest writes each attribute that is not None under its JSON key, and walks a chain of
    dispatchers to do it. What a reference holds is plain: strings, a boolean and two
    kinds of account. Anything else (`properties`, a value of another type) is left to
    msrest, which writes the whole reference as before.
    """
    try:
        return _json_of(reference)
    except _Unwritten:
        written: dict[str, Any] = reference.serialize()
        return written


class _Unwritten(Exception):
    """Not of the plain kind written here: msrest writes it."""


def _json_of(model: Model) -> dict[str, Any]:
    written: dict[str, Any] = {}
    for name, described in model._attribute_map.items():
        value = getattr(model, name, None)
        if value is None:
            continue
        kind = described["type"]
        if (kind == "str" and type(value) is str) or (kind == "bool" and type(value) is bool):
            written[described["key"]] = value
        elif isinstance(value, _ACCOUNTS) and kind == type(value).__name__:
            written[described["key"]] = _json_of(value)
        else:
            raise _Unwritten
    return written


class ConversationRecords:
    """`conversation_record`, remembered for the activities that would give the same one.

    msrest serializes a reference in about 65 µs, a good share of a click; a conversation's
    activities keep repeating the same reference. The key holds every input of the record
    (the accounts and conversation as sent, channel, service URL, locale, and what is read
    from channel data), so a change in any of them builds the record anew.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._known: dict[str, TeamsConversation] = {}
        self._stored: dict[str, TeamsConversation] = {}  # by conversation id

    def of(self, activity: Activity, person_id: int | None) -> TeamsConversation:
        key = repr((
            _fields(activity.from_property), _fields(activity.recipient),
            _fields(activity.conversation), activity.channel_id, activity.service_url,
            activity.locale, tenant_of(activity), kind_of(activity), team_id_of(activity),
            person_id,
        ))
        record = self._known.get(key)
        if record is None:
            if len(self._known) >= self._size:
                self._known.clear()  # a safety net: conversations are far fewer
            record = self._known[key] = conversation_record(activity, person_id)
        return record

    def is_stored(self, record: TeamsConversation) -> bool:
        """Whether this process stored (or found stored) exactly `record`, so it need not be
        read back on every activity. A person who comes back after forget-me has a new
        person id, so a new record, stored again."""
        return self._stored.get(record.conversation_id) == record

    def stored(self, record: TeamsConversation) -> None:
        if len(self._stored) >= self._size:
            self._stored.clear()
        self._stored[record.conversation_id] = record


def _fields(model: object) -> object:
    return None if model is None else vars(model)


def card_action(activity: Activity) -> CardAction | None:
    """The card click an activity carries, from an invoke or from an `Action.Submit` message."""
    value = activity.value if isinstance(activity.value, dict) else None
    if value is None:
        return None
    if activity.type == "invoke" and activity.name == "adaptiveCard/action":
        action = value.get("action")
        if not isinstance(action, dict) or not isinstance(action.get("verb"), str):
            return None
        data = action.get("data")
        return CardAction(str(action["verb"]), dict(data) if isinstance(data, dict) else {}, True)
    if activity.type == "message" and isinstance(value.get("ratebot"), str):
        data = {key: item for key, item in value.items() if key != "ratebot"}
        return CardAction(str(value["ratebot"]), data, False)
    return None


def message_text(activity: Activity) -> str:
    """What the person typed: @mentions of the bot removed, HTML tags stripped."""
    raw = str(activity.text or "")
    without_mentions = _MENTION.sub(" ", raw)
    return " ".join(html.unescape(_TAG.sub(" ", without_mentions)).split())


def message_action_close(activity: Activity) -> MessageActionClose | None:
    """The message action's payload: the message it was used on and its author."""
    if activity.type != "invoke" or activity.name != "composeExtension/submitAction":
        return None
    value = activity.value if isinstance(activity.value, dict) else {}
    payload = value.get("messagePayload")
    if not isinstance(payload, dict):
        return None
    sender = payload.get("from") or {}
    user = sender.get("user") if isinstance(sender, dict) else None
    if not isinstance(user, dict) or not user.get("id"):
        return None
    body = payload.get("body") or {}
    content = body.get("content") if isinstance(body, dict) else None
    data = value.get("data")
    typed = str(data.get("subject") or "") if isinstance(data, dict) else ""
    subject = typed.strip()[:200] or payload.get("subject") or None
    if not subject and isinstance(content, str):
        first_line = " ".join(html.unescape(_TAG.sub(" ", content)).split())
        subject = first_line[:200] or None
    return MessageActionClose(
        author=PersonIdentity(
            display_name=user.get("displayName") or None,
            # A message payload names its author by AAD object id.
            teams_aad_object_id=str(user["id"]),
            teams_tenant_id=tenant_of(activity),
        ),
        message_id=str(payload["id"]) if payload.get("id") else None,
        subject=subject if isinstance(subject, str) else None,
    )


def mentions_bot(activity: Activity) -> bool:
    """Whether the message @mentions the bot (Teams lists mentions as entities)."""
    bot = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or []:
        props = getattr(entity, "additional_properties", None) or {}
        mentioned = props.get("mentioned")
        if (
            getattr(entity, "type", None) == "mention"
            and isinstance(mentioned, dict)
            and bot is not None
            and mentioned.get("id") == bot
        ):
            return True
    return False


def members_added(activity: Activity) -> list[ChannelAccount]:
    return list(activity.members_added or [])


def bot_was_added(activity: Activity) -> bool:
    """Installation, or the bot itself among the members added to a conversation."""
    if activity.type == "installationUpdate":
        return str(activity.action or "add").startswith("add")
    recipient = activity.recipient.id if activity.recipient else None
    return any(member.id == recipient for member in members_added(activity))


def is_close(typed: str) -> bool:
    """Whether a reply in a help thread says the request is done ("close", "gesloten")."""
    return typed.lower().strip(" .!") in CLOSE_WORDS


def thread_id(channel: str, root: str) -> str:
    """A help thread's id: its channel and the message that opened it."""
    return f"{channel}{_THREAD}{root}"


def channel_of(reference: str) -> str | None:
    """The channel id inside a stored conversation reference."""
    try:
        return str(json.loads(reference)["conversation"]["id"])
    except (ValueError, KeyError, TypeError):
        return None
