"""Slack payloads in, the core's terms out: pure functions over documented payload shapes.

No I/O: the signature and the body are checked, and a click, a submission or a closing
message becomes the plain inputs of an interaction flow.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, parse_qsl

from slack_bolt.request.async_request import AsyncBoltRequest

# BadPayload is this module's error too: every translation here raises it.
from adapters.slack.payload_shape import BadPayload as BadPayload
from adapters.slack.payload_shape import check_shape
from adapters.slack.rate_value import RateValue
from adapters.slack.render import (
    COMMENT_BLOCK,
    COMMENT_INPUT,
    NOTE_BLOCK,
    NOTE_INPUT,
)
from bot.domain.untrusted import describe, loggable, may_hold_unstorable, unstorable_fields

SOURCE = "slack"
MAX_SUBJECT = 200
CLOSING_REACTIONS = frozenset({"white_check_mark", "heavy_check_mark"})
Payload = dict[str, Any]
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
# Slack's (and bolt's) limit on how far a request's timestamp may be from now.
SIGNATURE_WINDOW_SECONDS = 300


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


def button(body: Payload) -> tuple[Where, str]:
    """Where a button of a message was clicked, and the value it carries."""
    return _where(body), _action_value(body)


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
    # An anonymous team's follow-up has a negative id until its nightly batch.
    if not value.removeprefix("-").isdigit():
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


def closing_reaction(event: Payload) -> Where | None:
    """The message a check mark was put on, and by whom; None for any other reaction."""
    item = event.get("item") or {}
    if event.get("reaction") not in CLOSING_REACTIONS or item.get("type") != "message":
        return None
    return Where(str(_get(event, "user")), str(item.get("channel")), str(item.get("ts")))


def is_first_message(message: Payload) -> bool:
    """A request's first message: not a reply in a thread, not a bot's own message."""
    thread = message.get("thread_ts")
    if thread and thread != message.get("ts"):
        return False
    return not message.get("bot_id") and message.get("subtype") is None


@dataclass(frozen=True, slots=True)
class ClosedRequest:
    """The request a message in a help channel opened, as the core names it."""

    ticket_id: str
    subject: str | None
    requester_user_id: str


def closed_request(channel: str, message: Payload) -> ClosedRequest:
    """The request that `message` opened, closed by a reaction or the message shortcut."""
    subject = " ".join(str(message.get("text") or "").split())
    if len(subject) > MAX_SUBJECT:
        subject = subject[: MAX_SUBJECT - 1] + "…"
    return ClosedRequest(f"{channel}-{message.get('ts')}", subject or None,
                         str(_get(message, "user")))
