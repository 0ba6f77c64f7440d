"""Vendor payloads in the shapes each helpdesk documents (trimmed of fields ratebot ignores).

Zendesk, Freshservice, ServiceNow and the Jira automation rule send the JSON bodies our
recipes in docs/integrations/ tell the admin to paste, rendered as the product would.
Jira's webhook, Zammad, GLPI and GitHub send their own documented default payloads.
"""

from __future__ import annotations

import copy
import json
from typing import Any

Payload = dict[str, Any]


def body(payload: object) -> bytes:
    """The raw request body a helpdesk sends with `payload`."""
    return json.dumps(payload).encode()


def zendesk(status: str = "Solved", **changes: Any) -> Payload:
    payload: Payload = {
        "ticket_id": "1042",
        "status": status,
        "group": "Service Desk",
        "subject": "Printer on the third floor",
        "requester_email": "Jan@Example.com",
        "requester_name": "Jan Jansen",
        "assignee_email": "piet@example.com",
        "assignee_name": "Piet Pieters",
        "updated_by_email": "piet@example.com",
        "updated_by_name": "Piet Pieters",
    }
    payload.update(changes)
    return payload


def jira_webhook(
    status: str = "Resolved", category: str = "done", from_status: str = "In Progress"
) -> Payload:
    """A Jira Cloud `jira:issue_updated` webhook whose changelog moves the status."""
    return {
        "timestamp": 1764063000000,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "user": {
            "self": "https://acme.atlassian.net/rest/api/2/user?accountId=5b10a2844c20165700ede21g",
            "accountId": "5b10a2844c20165700ede21g",
            "emailAddress": "piet@example.com",
            "displayName": "Piet Pieters",
            "active": True,
            "timeZone": "Europe/Amsterdam",
            "accountType": "atlassian",
        },
        "issue": {
            "id": "10042",
            "self": "https://acme.atlassian.net/rest/api/2/issue/10042",
            "key": "ITSM-42",
            "fields": {
                "summary": "VPN does not connect",
                "issuetype": {"id": "10001", "name": "Service Request", "subtask": False},
                "project": {"id": "10000", "key": "ITSM", "name": "IT Service Desk"},
                "status": {
                    "self": "https://acme.atlassian.net/rest/api/2/status/10003",
                    "id": "10003",
                    "name": status,
                    "statusCategory": {
                        "id": 3 if category == "done" else 4,
                        "key": category,
                        "colorName": "green" if category == "done" else "yellow",
                        "name": "Done" if category == "done" else "In Progress",
                    },
                },
                "reporter": {
                    "accountId": "qm:1c3b6f2e-0000-4d1f-9a0e-3f1d5e9a7b21",
                    "emailAddress": "jan@example.com",
                    "displayName": "Jan Jansen",
                    "accountType": "customer",
                },
                "assignee": {
                    "accountId": "5b10a2844c20165700ede21g",
                    "emailAddress": "piet@example.com",
                    "displayName": "Piet Pieters",
                    "accountType": "atlassian",
                },
                "resolutiondate": "2026-11-25T09:30:00.000+0000",
            },
        },
        "changelog": {
            "id": "10100",
            "items": [
                {
                    "field": "status",
                    "fieldtype": "jira",
                    "fieldId": "status",
                    "from": "3",
                    "fromString": from_status,
                    "to": "10003",
                    "toString": status,
                }
            ],
        },
    }


def jira_automation(status: str = "Done", category: str = "done", **changes: Any) -> Payload:
    payload: Payload = {
        "issue_key": "ITSM-43",
        "status": status,
        "status_category": category,
        "previous_status": "In Progress",
        "group": "ITSM",
        "subject": "New laptop",
        "requester_email": "jan@example.com",
        "requester_name": "Jan Jansen",
        "assignee_email": "piet@example.com",
        "assignee_name": "Piet Pieters",
        "actor_email": "piet@example.com",
        "actor_name": "Piet Pieters",
    }
    payload.update(changes)
    return payload


def freshservice(status: str = "Resolved", **changes: Any) -> Payload:
    payload: Payload = {
        "ticket_id": "#INC-77",
        "status": status,
        "group": "Hardware",
        "subject": "Screen flickers",
        "requester_email": "jan@example.com",
        "requester_name": "Jan Jansen",
        "agent_email": "piet@example.com",
        "agent_name": "Piet Pieters",
    }
    payload.update(changes)
    return payload


def freshservice_simple(status: str = "Resolved", **changes: Any) -> Payload:
    """The same ticket as `freshservice`, sent with the workflow's *Simple* content.

    Simple mode wraps the ticked fields in `freshservice_webhook`, each named after its
    placeholder with `ticket_` in front; the status renders as its name.
    """
    fields: Payload = {
        "ticket_id": "#INC-77",
        "ticket_status": status,
        "ticket_subject": "Screen flickers",
        "ticket_group_name": "Hardware",
        "ticket_requester_email": "jan@example.com",
        "ticket_requester_name": "Jan Jansen",
        "ticket_agent_email": "piet@example.com",
        "ticket_agent_name": "Piet Pieters",
        "ticket_priority": "Low",
        "ticket_url": "https://acme.freshservice.com/helpdesk/tickets/77",
    }
    fields.update(changes)
    return {"freshservice_webhook": fields}


def servicenow(state: str = "6", previous_state: str = "2", **changes: Any) -> Payload:
    payload: Payload = {
        "number": "INC0010023",
        "state": state,
        "previous_state": previous_state,
        "assignment_group": "Service Desk",
        "short_description": "Outlook keeps asking for a password",
        "caller_email": "jan@example.com",
        "caller_name": "Jan Jansen",
        "assigned_to_email": "piet@example.com",
        "assigned_to_name": "Piet Pieters",
        "resolved_at": "2026-11-25 09:30:00",
    }
    payload.update(changes)
    return payload


_ZAMMAD: Payload = {
    "ticket": {
        "id": 81,
        "number": "10081",
        "title": "Webhook-Test",
        "state": "closed",
        "state_id": 4,
        "group_id": 3,
        "group": {"id": 3, "name": "Service Desk", "active": True},
        "customer_id": 8,
        "customer": {
            "id": 8,
            "email": "emily@example.com",
            "login": "emily@example.com",
            "firstname": "Emily",
            "lastname": "Adams",
            "roles": ["Customer"],
        },
        "owner_id": 5,
        "owner": {
            "id": 5,
            "email": "emma@chrispresso.com",
            "login": "emma@chrispresso.com",
            "firstname": "Emma",
            "lastname": "Taylor",
            "roles": ["Agent"],
        },
        "priority": {"id": 2, "name": "2 normal"},
        "close_at": "2020-11-13T14:40:00.000Z",
        "created_at": "2020-11-13T14:34:35.282Z",
        "updated_at": "2020-11-13T14:40:00.333Z",
    },
    "article": {
        "id": 104,
        "ticket_id": 81,
        "from": "Emma Taylor",
        "sender": "Agent",
        "type": "note",
        "internal": False,
        "created_by": {
            "id": 3,
            "email": "chris@chrispresso.com",
            "firstname": "Christopher",
            "lastname": "Miller",
        },
    },
}


def zammad(state: str = "closed", *, owner: bool = True) -> Payload:
    payload = copy.deepcopy(_ZAMMAD)
    payload["ticket"]["state"] = state
    if not owner:
        # Unassigned: Zammad's placeholder user "-" (id 1), who has no e-mail.
        payload["ticket"]["owner_id"] = 1
        payload["ticket"]["owner"] = {"id": 1, "login": "-", "firstname": "-", "lastname": ""}
    return payload


def glpi(status: int = 5, *, requester_email: str | None = "jan@example.com") -> Payload:
    """GLPI's default payload (`event`, `item`) plus the requester_email line we document."""
    payload: Payload = {
        "event": "update",
        "item": {
            "id": 42,
            "name": "Cannot print",
            "content": "<p>The printer says no.</p>",
            "status": {"id": status, "name": {5: "Solved", 6: "Closed"}.get(status, "Other")},
            "urgency": 3,
            "entity": {"id": 0, "name": "Root entity"},
            "date_creation": "2026-11-24T08:00:00+00:00",
            "date_mod": "2026-11-25T09:30:00+00:00",
            "team": [
                {"type": "User", "id": 7, "name": "jan", "role": "requester"},
                {"type": "User", "id": 2, "name": "piet@example.com", "role": "assigned"},
                {"type": "Group", "id": 1, "name": "Service Desk", "role": "assigned"},
            ],
        },
    }
    if requester_email is not None:
        payload["requester_email"] = requester_email
    return payload


def github(action: str = "closed", *, state_reason: str | None = "completed") -> Payload:
    """A GitHub `issues` event."""
    return {
        "action": action,
        "issue": {
            "url": "https://api.github.com/repos/acme/it-requests/issues/17",
            "html_url": "https://github.com/acme/it-requests/issues/17",
            "id": 2147483001,
            "node_id": "I_kwDOABCD1M5abcde",
            "number": 17,
            "title": "Access to the finance share",
            "user": {"login": "jan-dev", "id": 1001, "type": "User"},
            "labels": [{"id": 1, "name": "access", "color": "0e8a16"}],
            "state": "closed" if action == "closed" else "open",
            "locked": False,
            "assignee": {"login": "piet-ops", "id": 1002, "type": "User"},
            "assignees": [{"login": "piet-ops", "id": 1002, "type": "User"}],
            "comments": 2,
            "created_at": "2026-11-24T08:00:00Z",
            "updated_at": "2026-11-25T09:30:00Z",
            "closed_at": "2026-11-25T09:30:00Z" if action == "closed" else None,
            "author_association": "MEMBER",
            "body": (
                "### Email\n\njan@example.com\n\n### What do you need?\n\n"
                "Read access to \\\\fs01\\finance"
            ),
            "state_reason": state_reason if action == "closed" else None,
        },
        "repository": {
            "id": 55501,
            "name": "it-requests",
            "full_name": "acme/it-requests",
            "private": True,
            "owner": {"login": "acme", "id": 9000, "type": "Organization"},
        },
        "organization": {"login": "acme", "id": 9000},
        "sender": {"login": "piet-ops", "id": 1002, "type": "User"},
    }
