"""Slack payloads in, the core's terms out: pure functions over documented payload shapes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.slack.blocks import (
    COMMENT_BLOCK,
    COMMENT_INPUT,
    NOTE_BLOCK,
    NOTE_INPUT,
    RateValue,
)
from bot.events import ConversationClosed
from bot.ports import PersonIdentity

SOURCE = "slack"
MAX_SUBJECT = 200
Payload = dict[str, Any]


class BadPayload(ValueError):
    """A payload this app did not produce (tampered values, a stale message layout)."""


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
        raise BadPayload(f"not a score button: {exc}") from None
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
    a modal submission is its view's id and hash. Clicks are not looked up: Slack does
    not redeliver them, and recording one again changes nothing (the core compares the
    score), which keeps a database write off every click.
    """
    kind = body.get("type")
    if kind == "event_callback" and body.get("event_id"):
        return "slack:event:" + str(body["event_id"])
    if kind == "view_submission":
        view = body.get("view") or {}
        if view.get("id") and view.get("hash"):
            return f"slack:view:{view['id']}:{view['hash']}"
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
