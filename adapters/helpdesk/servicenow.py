"""ServiceNow: an incident business rule posting the JSON in docs/integrations/servicenow.md.

ServiceNow's outbound REST does not sign, so the rule sends the secret itself: in an
`X-Ratebot-Token` header or as the basic-auth password of the REST message.
Incident states: 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed, 8 Canceled.
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

STATES = {
    "6": Outcome.CLOSE,
    "resolved": Outcome.CLOSE,
    "7": Outcome.CLOSE,
    "closed": Outcome.CLOSE,
    # Active again. Only a reopen when it was resolved or closed before (see `parse`).
    "1": Outcome.REOPEN,
    "new": Outcome.REOPEN,
    "2": Outcome.REOPEN,
    "in progress": Outcome.REOPEN,
    "3": Outcome.REOPEN,
    "on hold": Outcome.REOPEN,
}


class ServiceNowWebhook(VendorWebhook):
    """The `servicenow` source."""

    name = "servicenow"
    secret_setting = "RATEBOT_SERVICENOW_SECRET"

    def check(self, headers: Mapping[str, str], body: bytes, secret: str) -> Verdict:
        return check_shared_secret(headers, secret)

    def signed_headers(self, body: bytes, secret: str, now: datetime) -> dict[str, str]:
        return {TOKEN_HEADER: secret}

    def parse(self, body: bytes, *, received_at: datetime) -> WebhookEvent:
        fields = Reader(load_object(body), "ServiceNow")
        number, state = fields.require("number", "state")
        outcome = outcome_of(state, STATES)
        previous = fields.text("previous_state")
        if outcome is Outcome.REOPEN:
            # A new incident, or one moving between active states, is not a reopen.
            if previous is None or outcome_of(previous, STATES) is not Outcome.CLOSE:
                return Ignored(f"state {state} after {previous or 'nothing'} is not a reopen")
            return ConversationReopened(self.name, number, received_at)
        if outcome is Outcome.IGNORE:
            return Ignored(f"ServiceNow state {state} neither resolves nor reopens an incident")
        requester = fields.email("caller_email", required=True)
        agent_email, agent_name = pick_agent(
            [(fields.optional_email("assigned_to_email"), fields.text("assigned_to_name"))],
            requester,
        )
        closed = ConversationClosed(
            source=self.name,
            ticket_id=number,
            requester_email=requester,
            team=fields.text("assignment_group") or "",
            closed_at=fields.moment("resolved_at") or received_at,
            subject=fields.text("short_description", limit=500),
            agent_email=agent_email,
            agent_name=agent_name,
            requester_name=fields.text("caller_name"),
        )
        fields.check()
        return closed
