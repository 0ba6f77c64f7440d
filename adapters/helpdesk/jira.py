"""Jira Service Management: a `jira:issue_updated` webhook, or an automation rule's web request.

A Jira webhook registered with a secret sends `X-Hub-Signature: sha256=<hex HMAC-SHA256
of the body>`. An automation rule's "Send web request" cannot sign, so it sends the
secret itself in `X-Ratebot-Token` (compared in constant time).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.helpdesk.auth import SharedSecret, Signature
from adapters.helpdesk.source import Ignored, WebhookEvent, load_object
from adapters.helpdesk.vendor import CloseFields, Reader, VendorWebhook
from bot.domain.events import ConversationReopened

SIGNATURE_HEADER = "X-Hub-Signature"
DONE = "done"  # the status category key of every "finished" status, whatever its name
# Finished, but not served: nobody is asked to rate a declined or cancelled request.
NOT_SERVED = frozenset({"declined", "canceled", "cancelled", "won't do", "rejected"})
# Status names that mark an issue finished, to recognise a move out of them as a reopen.
FINISHED = frozenset({"done", "resolved", "closed", "completed", "fixed"}) | NOT_SERVED

# The assignee, else whoever made the change.
WEBHOOK_CLOSE = CloseFields(
    agents=(
        ("issue.fields.assignee.emailAddress", "issue.fields.assignee.displayName"),
        ("user.emailAddress", "user.displayName"),
    ),
    requester="issue.fields.reporter.emailAddress",
    team="issue.fields.project.key",
    subject="issue.fields.summary",
    requester_name="issue.fields.reporter.displayName",
)
AUTOMATION_CLOSE = CloseFields(
    agents=(("assignee_email", "assignee_name"), ("actor_email", "actor_name"))
)


class JiraWebhook(VendorWebhook):
    """The `jira` source."""

    name = "jira"
    secret_setting = "RATEBOT_JIRA_SECRET"
    proof = Signature(SIGNATURE_HEADER, prefix="sha256=", unsigned=SharedSecret())

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
        return self.closed_from(WEBHOOK_CLOSE, fields, key, at)

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
        return self.closed_from(AUTOMATION_CLOSE, fields, key, received_at)


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
