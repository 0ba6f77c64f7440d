"""A Jira Cloud `jira:issue_updated` webhook body as Cloud sends it: people by account id.

Since Atlassian's privacy changes, Cloud's user objects carry `self` (by accountId),
`accountId`, `avatarUrls`, `displayName`, `active`, `timeZone` and `accountType`, and no
`emailAddress`, `name` or `key` (seen in public receivers' captured bodies).
"""

from __future__ import annotations

from typing import Any

SITE = "https://acme.atlassian.net"
REPORTER_ID = "qm:1c3b6f2e-0000-4d1f-9a0e-3f1d5e9a7b21"
AGENT_ID = "5b10a2844c20165700ede21g"


def cloud_user(account_id: str, name: str, account_type: str) -> dict[str, Any]:
    return {
        "self": f"{SITE}/rest/api/2/user?accountId={account_id}",
        "accountId": account_id,
        "avatarUrls": {size: f"https://secure.gravatar.com/avatar/0?s={size[:2]}"
                       for size in ("48x48", "24x24", "16x16", "32x32")},
        "displayName": name,
        "active": True,
        "timeZone": "Europe/Amsterdam",
        "accountType": account_type,
    }


def cloud_webhook(key: str = "ITSM-42", status: str = "Resolved") -> dict[str, Any]:
    agent = cloud_user(AGENT_ID, "Piet Pieters", "atlassian")
    return {
        "timestamp": 1764063000000,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "user": agent,
        "issue": {
            "id": "10042",
            "self": f"{SITE}/rest/api/2/10042",
            "key": key,
            "fields": {
                "summary": "VPN does not connect",
                "issuetype": {"id": "10001", "name": "Service Request", "subtask": False},
                "project": {"id": "10000", "key": "ITSM", "name": "IT Service Desk",
                            "projectTypeKey": "service_desk", "simplified": False},
                "status": {
                    "self": f"{SITE}/rest/api/2/status/10003", "id": "10003", "name": status,
                    "statusCategory": {"self": f"{SITE}/rest/api/2/statuscategory/3", "id": 3,
                                       "key": "done", "colorName": "green", "name": "Done"},
                },
                "reporter": cloud_user(REPORTER_ID, "Jan Jansen", "customer"),
                "assignee": agent,
                "creator": cloud_user(REPORTER_ID, "Jan Jansen", "customer"),
                "resolutiondate": "2026-11-25T09:30:00.000+0000",
            },
        },
        "changelog": {
            "id": "10100",
            "items": [{"field": "status", "fieldtype": "jira", "fieldId": "status",
                       "from": "3", "fromString": "In Progress", "to": "10003",
                       "toString": status}],
        },
    }
