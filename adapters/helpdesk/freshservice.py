"""Freshservice: a Workflow Automator "Trigger Webhook" action with our JSON body.

Freshservice does not sign webhooks, so the action sends the secret itself: in an
`X-Ratebot-Token` custom header or as the basic-auth password ("Requires authentication").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from adapters.helpdesk.auth import TOKEN_HEADER, check_shared_secret
from adapters.helpdesk.source import Ignored, Verdict, WebhookEvent
from adapters.helpdesk.vendor import (
    Outcome,
    Reader,
    VendorWebhook,
    load_object,
    outcome_of,
    pick_agent,
)
from bot.events import ConversationClosed, ConversationReopened

# Freshservice's built-in statuses, by name and by number (its API uses 2-5).
STATUSES = {
    "resolved": Outcome.CLOSE,
    "4": Outcome.CLOSE,
    "closed": Outcome.CLOSE,
    "5": Outcome.CLOSE,
    "open": Outcome.REOPEN,
    "2": Outcome.REOPEN,
    "pending": Outcome.REOPEN,
    "3": Outcome.REOPEN,
}


class FreshserviceWebhook(VendorWebhook):
    """The `freshservice` source."""

    name = "freshservice"
    secret_setting = "RATEBOT_FRESHSERVICE_SECRET"

    def check(self, headers: Mapping[str, str], body: bytes, secret: str) -> Verdict:
        return check_shared_secret(headers, secret)

    def signed_headers(self, body: bytes, secret: str, now: datetime) -> dict[str, str]:
        return {TOKEN_HEADER: secret}

    def parse(self, body: bytes, *, received_at: datetime) -> WebhookEvent:
        fields = Reader(load_object(body), "Freshservice")
        raw_ticket, status = fields.require("ticket_id", "status")
        # Placeholders render ids like "#SR-42" or "#INC-7"; the number is what matters.
        ticket = raw_ticket.lstrip("#").strip() or raw_ticket
        outcome = outcome_of(status, STATUSES)
        if fields.text("event") == "reopened" or outcome is Outcome.REOPEN:
            return ConversationReopened(self.name, ticket, received_at)
        if outcome is Outcome.IGNORE:
            return Ignored(f"Freshservice status '{status}' neither resolves nor reopens a ticket")
        requester = fields.email("requester_email", required=True)
        agent_email, agent_name = pick_agent(
            [(fields.optional_email("agent_email"), fields.text("agent_name"))], requester
        )
        closed = ConversationClosed(
            source=self.name,
            ticket_id=ticket,
            requester_email=requester,
            team=fields.text("group") or "",
            closed_at=received_at,
            subject=fields.text("subject", limit=500),
            agent_email=agent_email,
            agent_name=agent_name,
            requester_name=fields.text("requester_name"),
        )
        fields.check()
        return closed
