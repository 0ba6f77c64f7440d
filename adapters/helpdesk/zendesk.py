"""Zendesk: a trigger's webhook with the JSON body in docs/integrations/zendesk.md.

Zendesk signs every request: `X-Zendesk-Webhook-Signature` is the base64 HMAC-SHA256
of the `X-Zendesk-Webhook-Signature-Timestamp` value followed by the raw body.
"""

from __future__ import annotations

from datetime import datetime

from adapters.helpdesk.auth import Signature, SigningTime
from adapters.helpdesk.source import Ignored, WebhookEvent, load_object
from adapters.helpdesk.vendor import (
    CloseFields,
    Outcome,
    Reader,
    VendorWebhook,
    is_known,
    outcome_of,
)
from bot.domain.events import ConversationReopened

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"

# `{{ticket.status}}` renders in the account's (or the requester's) language, so each
# system status is listed in Zendesk's main languages: English, Dutch, German, French,
# Spanish, Portuguese, Italian. Words are compared case-folded. The German, French,
# Spanish, Portuguese and Italian words are those of Zendesk's own translated help
# centre; the Dutch ones were not found there (docs/integrations/zendesk.md).
_SOLVED = ("solved", "opgelost", "gelöst", "résolu", "resuelto", "resolvido", "risolto")
_CLOSED = ("closed", "gesloten", "geschlossen", "clos", "cerrado", "fechado", "chiuso")
# Back to work after being solved: an unanswered rating request is withdrawn.
_OPEN = ("open", "offen", "ouvert", "abierto", "aberto", "aperto")
_PENDING = ("pending", "in afwachting", "wartend", "en attente", "pendiente", "pendente",
            "in attesa")
_ON_HOLD = ("hold", "on-hold", "on hold", "in de wacht", "angehalten", "en pause",
            "en espera", "em espera", "in sospeso")
# Known, and meaning nothing to ratebot: not reported as unknown.
_NEW = ("new", "nieuw", "neu", "nouveau", "nuevo", "novo", "nuovo")

STATUSES: dict[str, Outcome] = {
    **dict.fromkeys(_SOLVED + _CLOSED, Outcome.CLOSE),
    **dict.fromkeys(_OPEN + _PENDING + _ON_HOLD, Outcome.REOPEN),
    **dict.fromkeys(_NEW, Outcome.IGNORE),
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
            return Ignored(
                f"Zendesk status '{status}' neither solves nor reopens a ticket",
                unknown_status=None if is_known(status, STATUSES) else status,
            )
        return self.closed_from(CLOSE, fields, ticket, received_at)
