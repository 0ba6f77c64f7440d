"""ServiceNow: an incident business rule posting the JSON in docs/integrations/servicenow.md.

ServiceNow's outbound REST does not sign, so the rule sends the secret itself: in an
`X-Ratebot-Token` header or as the basic-auth password of the REST message.
Incident states: 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed, 8 Canceled.
"""

from __future__ import annotations

from datetime import datetime

from adapters.helpdesk.auth import SharedSecret
from adapters.helpdesk.source import Ignored, WebhookEvent, load_object
from adapters.helpdesk.vendor import CloseFields, Outcome, Reader, VendorWebhook, outcome_of
from bot.domain.events import ConversationReopened

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

CLOSE = CloseFields(
    agents=(("assigned_to_email", "assigned_to_name"),),
    requester="caller_email",
    team="assignment_group",
    subject="short_description",
    requester_name="caller_name",
    closed_at="resolved_at",
)


class ServiceNowWebhook(VendorWebhook):
    """The `servicenow` source."""

    name = "servicenow"
    secret_setting = "RATEBOT_SERVICENOW_SECRET"
    proof = SharedSecret()

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
        return self.closed_from(CLOSE, fields, number, received_at)
