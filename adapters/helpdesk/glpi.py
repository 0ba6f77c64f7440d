"""GLPI 10+: an outgoing webhook on Ticket updates, with the payload in docs/integrations/glpi.md.

GLPI signs each request: `X-GLPI-signature` is the hex HMAC-SHA256 of the raw body
followed by the `X-GLPI-timestamp` value (Unix seconds, taken when the event was raised).
Ticket statuses: 1 New, 2 Processing (assigned), 3 Processing (planned), 4 Pending,
5 Solved, 6 Closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from adapters.helpdesk.auth import Signature, SigningTime
from adapters.helpdesk.source import Ignored, WebhookEvent, is_email, load_object
from adapters.helpdesk.vendor import Outcome, Reader, VendorWebhook, outcome_of, pick_agent
from bot.events import ConversationReopened

SIGNATURE_HEADER = "X-GLPI-signature"
TIMESTAMP_HEADER = "X-GLPI-timestamp"

STATUSES = {
    "5": Outcome.CLOSE,
    "solved": Outcome.CLOSE,
    "6": Outcome.CLOSE,
    "closed": Outcome.CLOSE,
    # Worked on again; a ticket that was never solved has nothing to withdraw.
    "2": Outcome.REOPEN,
    "3": Outcome.REOPEN,
    "4": Outcome.REOPEN,
    "processing (assigned)": Outcome.REOPEN,
    "processing (planned)": Outcome.REOPEN,
    "pending": Outcome.REOPEN,
}


class GlpiWebhook(VendorWebhook):
    """The `glpi` source."""

    name = "glpi"
    secret_setting = "RATEBOT_GLPI_SECRET"
    proof = Signature(
        SIGNATURE_HEADER, signing_time=SigningTime(TIMESTAMP_HEADER, "unix", before_body=False)
    )

    def parse(self, body: bytes, *, received_at: datetime) -> WebhookEvent:
        fields = Reader(load_object(body), "GLPI")
        event = (fields.text("event") or "update").casefold()
        status_path = "item.status.id" if isinstance(fields.value("item.status"), Mapping) else (
            "item.status"
        )
        (ticket,) = fields.require("item.id")
        if event == "delete":
            return Ignored("a deleted ticket is not rated")
        (status,) = fields.require(status_path)
        outcome = outcome_of(status, STATUSES)
        if outcome is Outcome.REOPEN:
            return ConversationReopened(self.name, ticket, received_at)
        if outcome is Outcome.IGNORE:
            return Ignored(f"GLPI status {status} neither solves nor reopens a ticket")
        team = _team(fields.value("item.team"))
        requester = fields.email("requester_email") or _email_like(team.get(("User", "requester")))
        if requester is None and "requester_email" not in fields.errors:
            fields.errors["requester_email"] = (
                "required: GLPI's default payload has no e-mail; add requester_email to the "
                "payload template (docs/integrations/glpi.md)"
            )
        technician = team.get(("User", "assigned"))
        agent_email, agent_name = pick_agent(
            [(fields.optional_email("technician_email") or _email_like(technician), technician)],
            requester,
        )
        return self.closed(
            fields,
            ticket,
            requester=requester,
            team=fields.text("group") or team.get(("Group", "assigned")),
            closed_at=received_at,
            subject=fields.text("item.name", limit=500),
            agent_email=agent_email,
            agent_name=fields.text("technician_name") or agent_name,
            requester_name=fields.text("requester_name"),
        )


def _team(members: Any) -> dict[tuple[str, str], str]:
    """The first member's name per (type, role) of the ticket's actors (`item.team`)."""
    found: dict[tuple[str, str], str] = {}
    if not isinstance(members, list):
        return found
    for member in members:
        if not isinstance(member, Mapping):
            continue
        kind, role, name = member.get("type"), member.get("role"), member.get("name")
        if isinstance(kind, str) and isinstance(role, str) and isinstance(name, str) and name:
            found.setdefault((kind, role.casefold()), name.strip())
    return found


def _email_like(login: str | None) -> str | None:
    # Where GLPI logins are e-mail addresses (LDAP, SSO), the login is the address.
    return login.lower() if login is not None and is_email(login) else None
