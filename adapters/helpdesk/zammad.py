"""Zammad: a trigger's webhook with Zammad's default payload (`ticket`, `article`).

Zammad signs with the webhook's "HMAC SHA1 Signature Token": `X-Hub-Signature:
sha1=<hex HMAC-SHA1 of the raw body>`.
"""

from __future__ import annotations

from datetime import datetime

from adapters.helpdesk.auth import Signature
from adapters.helpdesk.source import Ignored, WebhookEvent, load_object
from adapters.helpdesk.vendor import Outcome, Reader, VendorWebhook, outcome_of, pick_agent
from bot.domain.events import ConversationReopened

SIGNATURE_HEADER = "X-Hub-Signature"

STATES = {
    "closed": Outcome.CLOSE,
    "open": Outcome.REOPEN,
    "pending reminder": Outcome.REOPEN,
    # "new", "merged", "removed" and "pending close" (closes by itself later) are ignored.
}


class ZammadWebhook(VendorWebhook):
    """The `zammad` source."""

    name = "zammad"
    secret_setting = "RATEBOT_ZAMMAD_SECRET"
    proof = Signature(SIGNATURE_HEADER, prefix="sha1=", algorithm="sha1")

    def parse(self, body: bytes, *, received_at: datetime) -> WebhookEvent:
        fields = Reader(load_object(body), "Zammad")
        number, state = fields.require("ticket.number", "ticket.state")
        word = state.casefold()
        # Custom "closed" states ("closed successful") close too.
        outcome = Outcome.CLOSE if word.startswith("closed") else outcome_of(word, STATES)
        if outcome is Outcome.REOPEN:
            return ConversationReopened(self.name, number, received_at)
        if outcome is Outcome.IGNORE:
            return Ignored(f"Zammad state '{state}' neither closes nor reopens a ticket")
        requester = fields.email("ticket.customer.email", required=True)
        # The owner, else the agent who wrote the article that came with the update.
        last_reply: tuple[str | None, str | None] = (None, None)
        if (fields.text("article.sender") or "").casefold() == "agent":
            last_reply = (
                fields.optional_email("article.created_by.email"),
                _full_name(fields, "article.created_by"),
            )
        agent_email, agent_name = pick_agent(
            [
                (fields.optional_email("ticket.owner.email"), _full_name(fields, "ticket.owner")),
                last_reply,
            ],
            requester,
        )
        return self.closed(
            fields,
            number,
            requester=requester,
            team=fields.text("ticket.group.name"),
            closed_at=fields.moment("ticket.close_at") or received_at,
            subject=fields.text("ticket.title", limit=500),
            agent_email=agent_email,
            agent_name=agent_name,
            requester_name=_full_name(fields, "ticket.customer"),
        )


def _full_name(fields: Reader, person: str) -> str | None:
    parts = [fields.text(f"{person}.firstname"), fields.text(f"{person}.lastname")]
    # Zammad's placeholder user for "nobody" is called "-".
    name = " ".join(part for part in parts if part and part != "-")
    return name or None
