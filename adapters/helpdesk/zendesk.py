"""Zendesk: a trigger's webhook with the JSON body in docs/integrations/zendesk.md.

Zendesk signs every request: `X-Zendesk-Webhook-Signature` is the base64 HMAC-SHA256
of the `X-Zendesk-Webhook-Signature-Timestamp` value followed by the raw body.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from adapters.helpdesk.auth import b64_hmac, check_fresh, check_signature, iso_time
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


class ZendeskWebhook(VendorWebhook):
    """The `zendesk` source."""

    name = "zendesk"
    secret_setting = "RATEBOT_ZENDESK_SECRET"

    def check(self, headers: Mapping[str, str], body: bytes, secret: str) -> Verdict:
        stamp = headers.get(TIMESTAMP_HEADER, "")
        expected = b64_hmac(secret, stamp.encode() + body)
        verdict = check_signature(SIGNATURE_HEADER, headers.get(SIGNATURE_HEADER), expected)
        if not verdict.ok:
            return verdict
        return check_fresh(TIMESTAMP_HEADER, iso_time(stamp), self._clock.now())

    def signed_headers(self, body: bytes, secret: str, now: datetime) -> dict[str, str]:
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: b64_hmac(secret, stamp.encode() + body),
        }

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
        requester = fields.email("requester_email", required=True)
        agent_email, agent_name = pick_agent(
            [
                (fields.optional_email("assignee_email"), fields.text("assignee_name")),
                (fields.optional_email("updated_by_email"), fields.text("updated_by_name")),
            ],
            requester,
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
