"""What a Slack payload may hold, field by field, as Slack's payload references define it.

Bolt and this app read these fields without looking first; a signed body that does not
fit is refused with a 400 naming the field, instead of bolt's 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.untrusted import loggable

Payload = dict[str, Any]


class BadPayload(ValueError):
    """A payload this app did not produce (tampered values, a stale message layout)."""


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
    misfit = _misfit(PAYLOAD, payload)
    problem = misfit.described() if misfit is not None else _missing(payload)
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


@dataclass(slots=True)
class _Misfit:
    """A value that does not fit, and the path to it: names appended on the way back up,
    so a payload that fits (every real one) never spends a string on a path."""

    reason: str
    path: list[str]

    def described(self) -> str:
        return f"{loggable('.'.join(reversed(self.path)), 80) or 'body'}: {self.reason}"


def _misfit(kind: Kind, value: object) -> _Misfit | None:
    if not isinstance(value, kind.types):
        return _Misfit(f"must be {kind.described()}", [])
    if kind.limit is not None and isinstance(value, str) and len(value) > kind.limit:
        return _Misfit(f"longer than {kind.limit} characters", [])
    if isinstance(value, dict):
        # The payload's own fields, looked up among the known ones: a payload holds a
        # dozen, its kind knows three dozen.
        fields = kind.fields
        if fields is not None:
            for name, item in value.items():
                known = fields.get(name)
                if known is not None and (found := _misfit(known, item)) is not None:
                    found.path.append(name)
                    return found
        if kind.each is not None:
            for name, item in value.items():
                if (found := _misfit(kind.each, item)) is not None:
                    found.path.append(str(name))
                    return found
    elif isinstance(value, list) and kind.each is not None:
        for index, item in enumerate(value):
            if (found := _misfit(kind.each, item)) is not None:
                found.path.append(str(index))
                return found
    return None
