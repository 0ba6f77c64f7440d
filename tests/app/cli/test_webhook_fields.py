"""Where a close's fields came from in the payload, as `webhook-test` shows it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from app.cli.webhook_fields import UsedField, used_fields
from bot.domain.events import ConversationClosed

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


BASE = ConversationClosed(
    source="vendor", ticket_id="1042", requester_email="jan@example.com", team="Service Desk",
    closed_at=AT, subject="Printer", agent_name="Piet",
)


def close(**changes: Any) -> ConversationClosed:
    return dataclasses.replace(BASE, **changes)


def origins(event: ConversationClosed, payload: dict[str, object]) -> dict[str, str]:
    return {field.name: field.origin for field in used_fields(event, payload, team_is_group=True)}


def test_a_value_names_its_first_path_in_payload_order_whatever_its_case() -> None:
    payload = {
        "ticket": {
            "id": 1042,
            "requester": {"email": "Jan@Example.com"},
            "group": {"name": "Service Desk"},
            "assignees": [{"name": "Piet"}],
            "title": "Printer",
        },
        "updated_by": {"name": "Piet"},
    }
    assert origins(close(), payload) == {
        "ticket id": "ticket.id",
        "requester": "ticket.requester.email",
        "group": "ticket.group.name",
        "agent": "ticket.assignees[0].name",
        "subject": "ticket.title",
    }


def test_a_value_inside_a_longer_text_a_joined_id_and_html_entities_are_found() -> None:
    payload = {
        "issue": {"number": 17, "body": "Email: jan@example.com", "title": "R&amp;D printer"},
        "repository": {"full_name": "acme/it"},
    }
    found = origins(close(ticket_id="acme/it#17", subject="R&D printer", team="acme/it"), payload)
    assert found["ticket id"] == "repository.full_name + '#' + issue.number"
    assert found["requester"] == "inside issue.body"
    assert found["subject"] == "issue.title"


def test_a_missing_or_derived_value_says_so_and_a_known_origin_is_kept() -> None:
    event = close(agent_name=None, subject=None, requester_email="jan@example.com")
    fields = used_fields(
        event, {"ticket_id": "1042", "team": "Service Desk"},
        team_is_group=False, requester_origin="issue.body, under the label 'Email'",
    )
    assert fields == [
        UsedField("ticket id", "1042", "ticket_id"),
        UsedField("requester", "jan@example.com", "issue.body, under the label 'Email'"),
        UsedField("team", "Service Desk", "team"),
        UsedField("agent", None, "not in the payload"),
        UsedField("subject", None, "not in the payload"),
    ]
    derived = origins(close(ticket_id="INC-7"), {"id": 7})
    assert derived["ticket id"] == "derived by the source (not in the payload as such)"
