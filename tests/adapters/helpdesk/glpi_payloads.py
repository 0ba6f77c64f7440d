"""GLPI 11 bodies and headers built the way GLPI's own code builds them.

- The default payload: `Webhook::getWebhookBody()` json_encodes `['item' => $api_data,
  'event' => $event]` with JSON_PRETTY_PRINT (PHP escapes `/` and non-ASCII), where
  `$api_data` is the high-level API's Ticket (`ITILController`'s schema): `team` members
  come from `ITILController::getCleanTeam()`, which keeps only role, name, realname,
  firstname and display_name, adds `href`, and names roles requester/assigned/observer.
  No `type`, no e-mail anywhere.
- A custom payload: the template rendered by Twig after GLPI put a backslash before every
  `"` in every value (`$fn_desanitize`); with `json_encode|raw` nothing else changes.
- The headers: `Webhook::raise()` signs `$body . $timestamp` with hash_hmac('sha256'), in
  `X-GLPI-signature`, and sends the Unix `$timestamp` in `X-GLPI-timestamp`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from adapters.helpdesk.glpi import SIGNATURE_HEADER, TIMESTAMP_HEADER

Payload = dict[str, Any]

STATUS_NAMES = {
    1: "New", 2: "Processing (assigned)", 3: "Processing (planned)", 4: "Pending",
    5: "Solved", 6: "Closed",
}


def user(role: str, user_id: int, login: str, realname: str, firstname: str) -> Payload:
    return {
        "role": role,
        "name": login,
        "realname": realname,
        "firstname": firstname,
        "display_name": f"{realname} {firstname}",
        "href": f"/front/user.form.php?id={user_id}",
    }


def group(role: str, group_id: int, name: str) -> Payload:
    return {"role": role, "name": name, "href": f"/front/group.form.php?id={group_id}"}


def ticket(
    status: int = 5,
    *,
    name: str = "Cannot print",
    requester_login: str = "jan@example.com",
    technician_login: str = "piet@example.com",
) -> Payload:
    """The Ticket as GLPI's high-level API (and so the default payload's `item`) has it."""
    return {
        "id": 42,
        "name": name,
        "content": "<p>The printer says no.</p>",
        "is_deleted": False,
        "category": {"id": 3, "name": "Printing", "href": "/front/itilcategory.form.php?id=3"},
        "location": {"id": None, "name": None},
        "urgency": 3,
        "impact": 3,
        "priority": 3,
        "actiontime": 0,
        "date_creation": "2026-11-24T08:00:00+00:00",
        "date_mod": "2026-11-25T09:30:00+00:00",
        "date": "2026-11-24T08:00:00+00:00",
        "type": 1,
        "external_id": "",
        "request_type": {"id": 1, "name": "Helpdesk", "href": "/front/requesttype.form.php?id=1"},
        "status": {"id": status, "name": STATUS_NAMES.get(status, "Other")},
        "entity": {
            "id": 0, "name": "Root entity", "href": "/front/entity.form.php?id=0",
            "completename": "Root entity",
        },
        "team": [
            user("requester", 7, requester_login, "Jansen", "Jan"),
            group("requester", 4, "Finance"),
            user("assigned", 2, technician_login, "Pieters", "Piet"),
            group("assigned", 1, "Service Desk"),
            user("observer", 9, "kees@example.com", "Kees", "Klaas"),
        ],
    }


def default_body(item: Payload, event: str = "update") -> bytes:
    """`json_encode(['item' => ..., 'event' => ...], JSON_PRETTY_PRINT)`, byte for byte."""
    return php_json({"item": item, "event": event}, pretty=True).encode()


def php_json(value: object, *, pretty: bool = False) -> str:
    """PHP's json_encode: `/` escaped, non-ASCII as \\uXXXX; 4 spaces with JSON_PRETTY_PRINT."""
    text = json.dumps(value, indent=4 if pretty else None, ensure_ascii=True,
                      separators=None if pretty else (",", ":"))
    return text.replace("/", "\\/")


def custom_body(item: Payload, requester_email: str, event: str = "update") -> bytes:
    """docs/integrations/glpi.md's template as GLPI renders it: every value `|json_encode|raw`."""
    escaped = _slash_quotes({"item": item, "event": event})

    def value(v: object) -> str:
        return php_json(v)  # Twig's json_encode filter is PHP's json_encode without flags

    rendered = (
        "{\n"
        f'  "event": {value(escaped["event"])},\n'
        f'  "requester_email": {value(_slash_quotes(requester_email))},\n'
        '  "item": {\n'
        f'    "id": {value(escaped["item"]["id"])},\n'
        f'    "name": {value(escaped["item"]["name"])},\n'
        f'    "status": {value(escaped["item"]["status"])},\n'
        f'    "team": {value(escaped["item"]["team"])}\n'
        "  }\n"
        "}\n"
    )
    return rendered.encode()


def _slash_quotes(value: Any) -> Any:
    # Webhook::getWebhookBody()'s $fn_desanitize: str_replace('"', '\"', ...) on every string.
    if isinstance(value, dict):
        return {k: _slash_quotes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_slash_quotes(v) for v in value]
    if isinstance(value, str):
        return value.replace('"', '\\"')
    return value


def headers(body: bytes, secret: str, when: datetime) -> dict[str, str]:
    """What Webhook::raise() stores with the queued webhook and GLPI sends on every try."""
    stamp = str(int(when.timestamp()))
    signature = hmac.new(secret.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()
    return {SIGNATURE_HEADER: signature, TIMESTAMP_HEADER: stamp}
