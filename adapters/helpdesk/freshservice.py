"""Freshservice: a Workflow Automator "Trigger Webhook" action with our JSON body.

Freshservice does not sign webhooks, so the action sends the secret itself: in an
`X-Ratebot-Token` custom header or as the basic-auth password ("Requires authentication").

Two content shapes mean the same: *Advanced*, our body of docs/integrations/freshservice.md,
and *Simple*, where Freshservice wraps the ticked fields in `freshservice_webhook`, each
named after its placeholder with `ticket_` in front (`ticket_id`, `ticket_status`, ...).
"""

from __future__ import annotations

from datetime import datetime

from adapters.helpdesk.auth import SharedSecret
from adapters.helpdesk.source import Ignored, WebhookEvent, load_object
from adapters.helpdesk.vendor import CloseFields, Outcome, Reader, VendorWebhook, outcome_of
from bot.domain.events import ConversationReopened

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

SIMPLE = "freshservice_webhook"
SIMPLE_CLOSE = CloseFields(
    agents=((f"{SIMPLE}.ticket_agent_email", f"{SIMPLE}.ticket_agent_name"),),
    requester=f"{SIMPLE}.ticket_requester_email",
    team=f"{SIMPLE}.ticket_group_name",
    subject=f"{SIMPLE}.ticket_subject",
    requester_name=f"{SIMPLE}.ticket_requester_name",
)


class FreshserviceWebhook(VendorWebhook):
    """The `freshservice` source."""

    name = "freshservice"
    secret_setting = "RATEBOT_FRESHSERVICE_SECRET"
    proof = SharedSecret()

    def parse(self, body: bytes, *, received_at: datetime) -> WebhookEvent:
        data = load_object(body)
        fields = Reader(data, "Freshservice")
        simple = SIMPLE in data
        layout = SIMPLE_CLOSE if simple else CLOSE
        if simple:
            raw_ticket, status = fields.require(f"{SIMPLE}.ticket_id", f"{SIMPLE}.ticket_status")
        else:
            raw_ticket, status = fields.require("ticket_id", "status")
        # Placeholders render ids like "#SR-42" or "#INC-7"; the number is what matters.
        ticket = raw_ticket.lstrip("#").strip() or raw_ticket
        outcome = outcome_of(status, STATUSES)
        reopened = not simple and fields.text("event") == "reopened"
        if reopened or outcome is Outcome.REOPEN:
            return ConversationReopened(self.name, ticket, received_at)
        if outcome is Outcome.IGNORE:
            return Ignored(f"Freshservice status '{status}' neither resolves nor reopens a ticket")
        return self.closed_from(layout, fields, ticket, received_at)
