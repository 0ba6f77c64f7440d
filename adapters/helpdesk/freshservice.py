"""Freshservice: a Workflow Automator "Trigger Webhook" action with our JSON body.

Freshservice does not sign webhooks, so the action sends the secret itself: in an
`X-Ratebot-Token` custom header or as the basic-auth password ("Requires authentication").
"""

from __future__ import annotations

from datetime import datetime

from adapters.helpdesk.auth import SharedSecret
from adapters.helpdesk.source import Ignored, WebhookEvent, load_object
from adapters.helpdesk.vendor import CloseFields, Outcome, Reader, VendorWebhook, outcome_of
from bot.events import ConversationReopened

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

CLOSE = CloseFields(agents=(("agent_email", "agent_name"),))


class FreshserviceWebhook(VendorWebhook):
    """The `freshservice` source."""

    name = "freshservice"
    secret_setting = "RATEBOT_FRESHSERVICE_SECRET"
    proof = SharedSecret()

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
        return self.closed_from(CLOSE, fields, ticket, received_at)
