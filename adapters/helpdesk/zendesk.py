"""Zendesk: a trigger's webhook with the JSON body in docs/integrations/zendesk.md.

Zendesk signs every request: `X-Zendesk-Webhook-Signature` is the base64 HMAC-SHA256
of the `X-Zendesk-Webhook-Signature-Timestamp` value followed by the raw body.
"""

from __future__ import annotations

from datetime import datetime

from adapters.helpdesk.auth import Signature, SigningTime
from adapters.helpdesk.source import Ignored, WebhookEvent, load_object
from adapters.helpdesk.vendor import CloseFields, Outcome, Reader, VendorWebhook, outcome_of
from bot.events import ConversationReopened

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"

STATUSES = {
    "solved": Outcome.CLOSE,
    "closed": Outcome.CLOSE,
    # Back to work after being solved: an unanswered rating request is withdrawn.
    "open": Outcome.REOPEN,
    "pending": Outcome.REOPEN,
    "hold": Outcome.REOPEN,
    "on-hold": Outcome.REOPEN,
    "on hold": Outcome.REOPEN,
}

# The assignee, else whoever last updated the ticket.
CLOSE = CloseFields(
    agents=(("assignee_email", "assignee_name"), ("updated_by_email", "updated_by_name"))
)


class ZendeskWebhook(VendorWebhook):
    """The `zendesk` source."""

    name = "zendesk"
    secret_setting = "RATEBOT_ZENDESK_SECRET"
    proof = Signature(
        SIGNATURE_HEADER,
        encoding="base64",
        signing_time=SigningTime(TIMESTAMP_HEADER, "iso", before_body=True),
    )

    def parse(self, body: bytes, *, received_at: datetime) -> WebhookEvent:
        fields = Reader(load_object(body), "Zendesk")
        ticket, status = fields.require("ticket_id", "status")
        if fields.text("event") == "reopened":
            return ConversationReopened(self.name, ticket, received_at)
        outcome = outcome_of(status, STATUSES)
        if outcome is Outcome.REOPEN:
            return ConversationReopened(self.name, ticket, received_at)
        if outcome is Outcome.IGNORE:
            return Ignored(f"Zendesk status '{status}' neither solves nor reopens a ticket")
        return self.closed_from(CLOSE, fields, ticket, received_at)
