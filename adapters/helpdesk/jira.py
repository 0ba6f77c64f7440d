"""Jira Service Management: a `jira:issue_updated` webhook, or an automation rule's web request.

A Jira webhook registered with a secret sends `X-Hub-Signature: sha256=<hex HMAC-SHA256
of the body>`. An automation rule's "Send web request" cannot sign, so it sends the
secret itself in `X-Ratebot-Token` (compared in constant time).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.helpdesk.auth import check_shared_secret, check_signature, hex_hmac
from adapters.helpdesk.source import Ignored, Verdict, WebhookEvent
from adapters.helpdesk.vendor import Reader, VendorWebhook, load_object, pick_agent
from bot.events import ConversationClosed, ConversationReopened

SIGNATURE_HEADER = "X-Hub-Signature"
DONE = "done"  # the status category key of every "finished" status, whatever its name
# Finished, but not served: nobody is asked to rate a declined or cancelled request.
NOT_SERVED = frozenset({"declined", "canceled", "cancelled", "won't do", "rejected"})
# Status names that mark an issue finished, to recognise a move out of them as a reopen.
FINISHED = frozenset({"done", "resolved", "closed", "completed", "fixed"}) | NOT_SERVED


class JiraWebhook(VendorWebhook):
    """The `jira` source."""

    name = "jira"
    secret_setting = "RATEBOT_JIRA_SECRET"

    def check(self, headers: Mapping[str, str], body: bytes, secret: str) -> Verdict:
        if SIGNATURE_HEADER in headers:
            expected = "sha256=" + hex_hmac(secret, body)
            return check_signature(SIGNATURE_HEADER, headers[SIGNATURE_HEADER].lower(), expected)
        return check_shared_secret(headers, secret)

    def signed_headers(self, body: bytes, secret: str, now: datetime) -> dict[str, str]:
        return {SIGNATURE_HEADER: "sha256=" + hex_hmac(secret, body)}

    def parse(self, body: bytes, *, received_at: datetime) -> WebhookEvent:
        data = load_object(body)
        if "webhookEvent" in data:
            return self._webhook(Reader(data, "Jira webhook"), received_at)
        return self._automation(Reader(data, "Jira automation"), received_at)

    def _webhook(self, fields: Reader, received_at: datetime) -> WebhookEvent:
        (kind,) = fields.require("webhookEvent")
        if kind != "jira:issue_updated":
            return Ignored(f"Jira event '{kind}' is not an issue update")
        key, category, status = fields.require(
            "issue.key", "issue.fields.status.statusCategory.key", "issue.fields.status.name"
        )
        change = _status_change(fields.value("changelog.items"))
        if change is None:
            return Ignored("the update did not change the issue's status")
        at = _epoch_millis(fields.value("timestamp")) or received_at
        if category.casefold() != DONE:
            if (change.get("fromString") or "").strip().casefold() in FINISHED:
                return ConversationReopened(self.name, key, at)
            return Ignored(f"status '{status}' is not finished, nor a reopen of a finished issue")
        if status.casefold() in NOT_SERVED:
            return Ignored(f"status '{status}' finishes the issue without serving it")
        requester = fields.email("issue.fields.reporter.emailAddress", required=True)
        agent_email, agent_name = pick_agent(
            [
                (
                    fields.optional_email("issue.fields.assignee.emailAddress"),
                    fields.text("issue.fields.assignee.displayName"),
                ),
                (fields.optional_email("user.emailAddress"), fields.text("user.displayName")),
            ],
            requester,
        )
        closed = ConversationClosed(
            source=self.name,
            ticket_id=key,
            requester_email=requester,
            team=fields.text("issue.fields.project.key") or "",
            closed_at=at,
            subject=fields.text("issue.fields.summary", limit=500),
            agent_email=agent_email,
            agent_name=agent_name,
            requester_name=fields.text("issue.fields.reporter.displayName"),
        )
        fields.check()
        return closed

    def _automation(self, fields: Reader, received_at: datetime) -> WebhookEvent:
        key, category, status = fields.require("issue_key", "status_category", "status")
        previous = (fields.text("previous_status") or "").casefold()
        finished = category.casefold() == DONE
        if fields.text("event") == "reopened" or (not finished and previous in FINISHED):
            return ConversationReopened(self.name, key, received_at)
        if not finished:
            return Ignored(f"status '{status}' is not finished, nor a reopen of a finished issue")
        if status.casefold() in NOT_SERVED:
            return Ignored(f"status '{status}' finishes the issue without serving it")
        requester = fields.email("requester_email", required=True)
        agent_email, agent_name = pick_agent(
            [
                (fields.optional_email("assignee_email"), fields.text("assignee_name")),
                (fields.optional_email("actor_email"), fields.text("actor_name")),
            ],
            requester,
        )
        closed = ConversationClosed(
            source=self.name,
            ticket_id=key,
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


def _status_change(items: Any) -> Mapping[str, Any] | None:
    if not isinstance(items, list):
        return None
    for item in items:
        if isinstance(item, Mapping) and (item.get("fieldId") or item.get("field")) == "status":
            return item
    return None


def _epoch_millis(value: Any) -> datetime | None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
