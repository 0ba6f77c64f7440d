"""Slack payloads in, the core's terms out: pure functions over documented payload shapes."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl

from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.slack.blocks import (
    COMMENT_BLOCK,
    COMMENT_INPUT,
    NOTE_BLOCK,
    NOTE_INPUT,
    RateValue,
)
from bot.domain.events import ConversationClosed
from bot.domain.identity import PersonIdentity
from bot.domain.untrusted import describe, loggable, may_hold_unstorable, unstorable_fields

SOURCE = "slack"
MAX_SUBJECT = 200
Payload = dict[str, Any]
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
# Slack's (and bolt's) limit on how far a request's timestamp may be from now.
SIGNATURE_WINDOW_SECONDS = 300


class BadPayload(ValueError):
    """A payload this app did not produce (tampered values, a stale message layout)."""


def signed_by_slack(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float
) -> bool:
    """Whether the request carries Slack's v0 signature over `body`, made in the last 5 minutes.

    The same test bolt applies, done on the raw bytes: slack-sdk's `SignatureVerifier`
    decodes the body as UTF-8 and int()s the timestamp first, and raises on a body or a
    timestamp that is neither, which would answer 500 to anyone before any signature
    was checked.
    """
    stamp = headers.get(TIMESTAMP_HEADER, "")
    given = headers.get(SIGNATURE_HEADER, "")
    if not (stamp.isascii() and stamp.isdigit()):
        return False
    if abs(now - int(stamp)) > SIGNATURE_WINDOW_SECONDS:
        return False
    message = b"v0:" + stamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    # compare_digest takes bytes of any content; str would raise on non-ASCII input.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", errors="replace"))


def is_ssl_check(body: bytes) -> bool:
    """Slack checking the request URL's certificate: unsigned, and answered 200 (as bolt does)."""
    if not body.startswith(b"ssl_check=") and b"&ssl_check=" not in body:
        return False
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return fields.get("ssl_check") == ["1"]


def bolt_request(body: bytes, query: str, headers: Mapping[str, str]) -> AsyncBoltRequest:
    """A signed body as bolt's request, or `BadPayload` saying why it cannot be one."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadPayload("the body is not UTF-8 text") from None
    try:
        request = _readable(
            lambda: AsyncBoltRequest(body=text, query=query, headers=dict(headers))
        )
    except BadPayload:
        # Bolt reads ids while building the request; name the field it tripped over.
        parsed = _parsed(text)
        if isinstance(parsed, dict):
            check_shape(parsed)
        raise
    if may_hold_unstorable(body):
        _check_storable(request.body)
    check_shape(request.body)
    return request


def _parsed(text: str) -> object:
    """The body as bolt parses it (JSON, or a form with JSON in `payload`), else None."""
    try:
        if text.startswith("{"):
            return json.loads(text)
        fields = dict(parse_qsl(text, keep_blank_values=True))
        return json.loads(fields["payload"]) if "payload" in fields else fields
    except (ValueError, RecursionError):
        return None


def check_socket_payload(payload: object) -> None:
    """Raise `BadPayload` unless bolt can read a Socket Mode envelope's payload."""
    if not isinstance(payload, dict):
        raise BadPayload("the payload is not an object")
    _check_storable(payload)
    check_shape(payload)
    _readable(lambda: AsyncBoltRequest(body=payload, mode="socket_mode"))


# ---------------------------------------------------------------- payload shapes


@dataclass(frozen=True, slots=True)
class Kind:
    """What a field of a Slack payload may be: its types, and what an object or list holds."""

    types: tuple[type, ...]
    fields: Mapping[str, Kind] | None = None  # an object's known fields
    each: Kind | None = None  # a list's items, or every value of an object used as a map
    limit: int | None = None  # the most characters text may have

    def described(self) -> str:
        names = {str: "text", dict: "an object", list: "a list", bool: "true or false",
                 type(None): "null"}
        return " or ".join(names.get(kind, kind.__name__) for kind in self.types)


NONE = type(None)
TEXT = Kind((str,))
MAYBE_TEXT = Kind((str, NONE))
FLAG = Kind((bool, str))
# Slack's ids are a dozen characters; people.slack_user_id holds 64 (storage/schema.py).
ID = Kind((str,), limit=64)
MAYBE_ID = Kind((str, NONE), limit=64)
ID_OBJECT = {"id": MAYBE_ID, "name": MAYBE_TEXT, "username": MAYBE_TEXT, "domain": MAYBE_TEXT,
             "team_id": MAYBE_ID}
# Slack names users, teams and channels by id (commands) or as objects (interactions).
PARTY = Kind((dict, str, NONE), ID_OBJECT, limit=64)
MESSAGE = Kind((dict, NONE), {
    "ts": MAYBE_TEXT, "text": MAYBE_TEXT, "user": MAYBE_TEXT, "bot_id": MAYBE_TEXT,
    "thread_ts": MAYBE_TEXT, "subtype": MAYBE_TEXT, "blocks": Kind((list,)),
})
EVENT = Kind((dict,), {
    "type": TEXT, "user": Kind((str, dict), ID_OBJECT, limit=64),
    "channel": Kind((str, dict), ID_OBJECT, limit=64),
    "bot_id": MAYBE_TEXT, "subtype": MAYBE_TEXT, "tab": MAYBE_TEXT, "ts": MAYBE_TEXT,
    "thread_ts": MAYBE_TEXT, "event_ts": MAYBE_TEXT, "channel_type": MAYBE_TEXT,
    "reaction": MAYBE_TEXT, "item_user": MAYBE_TEXT, "function_execution_id": MAYBE_TEXT,
    "item": Kind((dict,), {"type": MAYBE_TEXT, "channel": MAYBE_TEXT, "ts": MAYBE_TEXT}),
    "message": MESSAGE, "previous_message": MESSAGE, "bot_profile": Kind((dict, NONE)),
})
ACTION = Kind((dict,), {"action_id": TEXT, "block_id": MAYBE_TEXT, "value": MAYBE_TEXT,
                        "type": MAYBE_TEXT, "action_ts": MAYBE_TEXT})
INPUTS = Kind((dict,), each=Kind((dict,), each=Kind((dict,), {"value": MAYBE_TEXT})))
VIEW = Kind((dict,), {
    "id": MAYBE_TEXT, "hash": MAYBE_TEXT, "callback_id": MAYBE_TEXT, "type": MAYBE_TEXT,
    "private_metadata": MAYBE_TEXT, "external_id": MAYBE_TEXT, "team_id": MAYBE_TEXT,
    "app_id": MAYBE_TEXT, "bot_id": MAYBE_TEXT, "root_view_id": MAYBE_TEXT,
    "previous_view_id": MAYBE_TEXT, "blocks": Kind((list,)),
    "state": Kind((dict,), {"values": INPUTS}),
})
AUTHORIZATION = Kind((dict,), {"enterprise_id": MAYBE_TEXT, "team_id": MAYBE_TEXT,
                               "user_id": MAYBE_TEXT, "is_bot": FLAG,
                               "is_enterprise_install": FLAG})
PAYLOAD = Kind((dict,), {
    **{name: TEXT for name in (
        "type", "token", "event_id", "command", "text", "trigger_id", "callback_id",
        "response_url", "user_name", "channel_name", "challenge", "team_domain", "action_ts",
        "message_ts",
    )},
    **{name: ID for name in ("team_id", "api_app_id", "user_id", "channel_id")},
    "enterprise_id": MAYBE_ID,
    "user": PARTY, "team": PARTY, "enterprise": PARTY, "channel": PARTY,
    "is_enterprise_install": FLAG, "is_ext_shared_channel": FLAG,
    "event": EVENT, "view": VIEW, "message": MESSAGE,
    "container": Kind((dict,), {"channel_id": MAYBE_ID, "message_ts": MAYBE_TEXT,
                                "type": MAYBE_TEXT}),
    "state": Kind((dict,), {"values": INPUTS}),
    "actions": Kind((list,), each=ACTION),
    "authorizations": Kind((list,), each=AUTHORIZATION),
    "workflow_step": Kind((dict,)),
})


def check_shape(payload: Payload) -> None:
    """Raise `BadPayload` naming the first field that is not as Slack sends it.

    Bolt's middleware and matchers (and this module) read these fields as Slack's
    payload references define them and raise on anything else: a list for `event`, an
    action without `action_id`. Slack signs only what it sends, so this refuses nothing
    real; it turns a malformed signed body into a 400 instead of bolt's 500.
    """
    problem = _misfit(PAYLOAD, payload, "") or _missing(payload)
    if problem is not None:
        raise BadPayload(problem)


def _missing(payload: Payload) -> str | None:
    """The first field bolt indexes without looking, where the payload's kind needs it."""
    kind = payload.get("type")
    actions = payload.get("actions")
    if kind == "block_actions" and "actions" in payload:
        if not actions:
            return "actions: a block action needs at least one action"
        if "action_id" not in actions[0]:
            return "actions.0.action_id: required"
    if kind == "interactive_message" and "callback_id" in payload and not actions:
        return "actions: required"
    if "command" in payload and not payload.get("user_id"):
        return "user_id: a slash command names who typed it"
    view = payload.get("view")
    if isinstance(view, dict) and "callback_id" in view and "type" not in view:
        return "view.type: required"
    step = (kind == "workflow_step_edit" and "callback_id" in payload) or (
        kind == "view_submission" and isinstance(view, dict) and view.get("type") == "workflow_step"
    )
    if step and "workflow_step" not in payload:
        return "workflow_step: required"
    return None


def _misfit(kind: Kind, value: object, path: str) -> str | None:
    if not isinstance(value, kind.types):
        return f"{loggable(path, 80) or 'body'}: must be {kind.described()}"
    if isinstance(value, str) and kind.limit is not None and len(value) > kind.limit:
        return f"{loggable(path, 80)}: longer than {kind.limit} characters"
    if isinstance(value, dict):
        if kind.fields is not None:
            for name, field_kind in kind.fields.items():
                if name in value and (found := _misfit(field_kind, value[name],
                                                       _joined(path, name))):
                    return found
        if kind.each is not None:
            for name, item in value.items():
                if found := _misfit(kind.each, item, _joined(path, str(name))):
                    return found
    if isinstance(value, list) and kind.each is not None:
        for index, item in enumerate(value):
            if found := _misfit(kind.each, item, _joined(path, str(index))):
                return found
    return None


def _joined(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _readable(build: Callable[[], AsyncBoltRequest]) -> AsyncBoltRequest:
    try:
        request = build()
    except Exception as exc:
        # Bolt parses the body and reads its ids while building the request, and raises
        # whatever a malformed body makes it raise (JSON errors, attribute and type
        # errors from a list or a number where it expects an object).
        raise BadPayload(f"the body is not a Slack payload ({type(exc).__name__})") from None
    if not isinstance(request.body, dict):
        raise BadPayload("the body is not a Slack payload (not an object)")
    return request


def _check_storable(payload: object) -> None:
    refused = unstorable_fields(payload)
    if refused:
        raise BadPayload(describe(refused))


@dataclass(frozen=True, slots=True)
class Where:
    """A message in a channel, and who acted on it."""

    user_id: str
    channel: str
    ts: str


@dataclass(frozen=True, slots=True)
class Click:
    where: Where
    value: RateValue


@dataclass(frozen=True, slots=True)
class CommentRequest:
    where: Where
    prompt_id: int
    receipt: str | None
    trigger_id: str

    def metadata(self) -> dict[str, object]:
        return {"p": self.prompt_id, "r": self.receipt or "", "c": self.where.channel,
                "t": self.where.ts}


@dataclass(frozen=True, slots=True)
class CommentSubmission:
    where: Where
    prompt_id: int
    receipt: str | None
    text: str


@dataclass(frozen=True, slots=True)
class FollowUpAction:
    where: Where
    follow_up_id: int
    trigger_id: str

    def metadata(self) -> dict[str, object]:
        return {"f": self.follow_up_id, "c": self.where.channel, "t": self.where.ts}


@dataclass(frozen=True, slots=True)
class ResolveSubmission:
    where: Where
    follow_up_id: int
    note: str | None


def _get(payload: Payload, *path: str) -> Any:
    value: Any = payload
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise BadPayload("missing " + ".".join(path))
        value = value[key]
    return value


def _where(body: Payload) -> Where:
    container = body.get("container") or {}
    channel = container.get("channel_id") or _get(body, "channel", "id")
    ts = container.get("message_ts") or _get(body, "message", "ts")
    return Where(str(_get(body, "user", "id")), str(channel), str(ts))


def _action_value(body: Payload) -> str:
    actions = _get(body, "actions")
    if not isinstance(actions, list) or not actions:
        raise BadPayload("no action")
    return str(actions[0].get("value", ""))


def click(body: Payload) -> Click:
    """A score button in a rating prompt."""
    try:
        value = RateValue.decode(_action_value(body))
    except ValueError as exc:
        raise BadPayload(f"not a score button: {loggable(exc, 80)}") from None
    return Click(_where(body), value)


def comment_request(body: Payload) -> CommentRequest:
    prompt, _, receipt = _action_value(body).partition(":")
    if not prompt.isdigit():
        raise BadPayload("not a comment button")
    return CommentRequest(_where(body), int(prompt), receipt or None,
                          str(_get(body, "trigger_id")))


def _metadata(body: Payload) -> Payload:
    try:
        data = json.loads(_get(body, "view", "private_metadata"))
    except json.JSONDecodeError:
        raise BadPayload("unreadable private_metadata") from None
    if not isinstance(data, dict):
        raise BadPayload("unreadable private_metadata")
    return data


def _input(body: Payload, block: str, action: str) -> str:
    values = _get(body, "view", "state", "values")
    return str(((values.get(block) or {}).get(action) or {}).get("value") or "")


def comment_submission(body: Payload) -> CommentSubmission:
    data = _metadata(body)
    try:
        where = Where(str(_get(body, "user", "id")), str(data["c"]), str(data["t"]))
        return CommentSubmission(where, int(data["p"]), str(data["r"]) or None,
                                 _input(body, COMMENT_BLOCK, COMMENT_INPUT))
    except (KeyError, ValueError, TypeError):
        raise BadPayload("not a comment modal") from None


def follow_up_action(body: Payload) -> FollowUpAction:
    value = _action_value(body)
    if not value.isdigit():
        raise BadPayload("not a follow-up button")
    return FollowUpAction(_where(body), int(value), str(body.get("trigger_id", "")))


def resolve_submission(body: Payload) -> ResolveSubmission:
    data = _metadata(body)
    try:
        where = Where(str(_get(body, "user", "id")), str(data["c"]), str(data["t"]))
        note = _input(body, NOTE_BLOCK, NOTE_INPUT).strip() or None
        return ResolveSubmission(where, int(data["f"]), note)
    except (KeyError, ValueError, TypeError):
        raise BadPayload("not a resolve modal") from None


def delivery_key(body: Payload) -> str | None:
    """What identifies one delivery, so Slack's retries are handled once.

    Events carry `event_id` (retries, also over Socket Mode with retry number 0, keep it);
    a modal submission is its view's id and hash; a slash command its `trigger_id`.
    Clicks are not looked up: Slack does not redeliver them, and recording one again
    changes nothing (the core compares the score), which keeps a database write off
    every click.
    """
    kind = body.get("type")
    if kind == "event_callback" and body.get("event_id"):
        return "slack:event:" + str(body["event_id"])
    if kind == "view_submission":
        view = body.get("view")
        if isinstance(view, dict) and view.get("id") and view.get("hash"):
            return f"slack:view:{view['id']}:{view['hash']}"
    if body.get("command") and body.get("trigger_id"):
        # Slack never sends a slash command twice; a signed one seen again is a replay
        # (within the signature's 5 minutes). Its trigger_id is unique per invocation.
        digest = hashlib.sha256(str(body["trigger_id"]).encode(errors="surrogatepass")).hexdigest()
        return "slack:command:" + digest[:48]
    return None


def is_first_message(message: Payload) -> bool:
    """A request's first message: not a reply in a thread, not a bot's own message."""
    thread = message.get("thread_ts")
    if thread and thread != message.get("ts"):
        return False
    return not message.get("bot_id") and message.get("subtype") is None


def close_in_channel(
    *, team: str, channel: str, message: Payload, requester: PersonIdentity,
    agent: PersonIdentity, at: datetime,
) -> ConversationClosed:
    """An agent closed the request that `message` opened (reaction or message shortcut)."""
    subject = " ".join(str(message.get("text") or "").split())
    if len(subject) > MAX_SUBJECT:
        subject = subject[: MAX_SUBJECT - 1] + "…"
    return ConversationClosed(
        source=SOURCE,
        ticket_id=f"{channel}-{message.get('ts')}",
        requester_email=requester.email,
        team=team,
        closed_at=at,
        subject=subject or None,
        agent_email=agent.email,
        agent_name=agent.display_name,
        requester_name=requester.display_name,
        requester_slack_id=requester.slack_user_id,
        agent_slack_id=agent.slack_user_id,
    )
