"""Jira Service Management: a `jira:issue_updated` webhook, or an automation rule's web request.

A Jira webhook registered with a secret sends `X-Hub-Signature: sha256=<hex HMAC-SHA256
of the body>`. An automation rule's "Send web request" cannot sign, so it sends the
secret itself in `X-Ratebot-Token` (compared in constant time).

Jira Cloud names people by account id only (no `emailAddress`). With Jira's API
configured, a close's account ids are resolved to e-mails while the webhook waits, within
`LOOKUP_SECONDS` (cached, so a burst costs one lookup per person); an API that does not
answer in time makes the webhook answer 503, and Jira retries.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.helpdesk.auth import SharedSecret, Signature
from adapters.helpdesk.enrichment import EnrichedWebhook, LookupNeeded
from adapters.helpdesk.source import Ignored, PayloadError, WebhookEvent
from adapters.helpdesk.vendor import CloseFields, Reader
from bot.domain.events import ConversationClosed, ConversationReopened

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
# Where a webhook names people; Jira Cloud leaves `emailAddress` out of each.
PEOPLE = ("issue.fields.reporter", "issue.fields.assignee", "user")
REQUESTER_EMAIL = "issue.fields.reporter.emailAddress"
# How long a webhook waits for Jira's API to name a close's people.
API_SETTINGS = "RATEBOT_JIRA_URL, RATEBOT_JIRA_EMAIL and RATEBOT_JIRA_API_TOKEN"
AUTOMATION_HINT = (
    "or send the automation rule's body, whose {{reporter.emailAddress}} Jira fills in "
    "(docs/integrations/jira.md, option B)"
)
AUTOMATION_CLOSE = CloseFields(
    agents=(("assignee_email", "assignee_name"), ("actor_email", "actor_name"))
)


class JiraWebhook(EnrichedWebhook):
    """The `jira` source; with `api`, account ids are resolved to e-mails (module docstring)."""

    name = "jira"
    product = "Jira"
    secret_setting = "RATEBOT_JIRA_SECRET"
    proof = Signature(SIGNATURE_HEADER, prefix="sha256=", unsigned=SharedSecret())

    def _parse(
        self, data: dict[str, Any], received_at: datetime, emails: Mapping[str, str | None] | None
    ) -> WebhookEvent:
        if "webhookEvent" in data:
            return self._webhook(data, received_at, emails)
        return self._automation(Reader(data, "Jira automation"), received_at)

    def _webhook(
        self, data: dict[str, Any], received_at: datetime, emails: Mapping[str, str | None] | None
    ) -> WebhookEvent:
        fields = Reader(data, "Jira webhook")
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
        hidden = hidden_accounts(data)
        if hidden and emails is None and self._api is not None:
            raise LookupNeeded(hidden)
        return self.issue_closed(with_emails(data, emails or {}), key, at, looked_up=emails)

    def issue_closed(
        self,
        data: Mapping[str, Any],
        key: str,
        at: datetime,
        *,
        looked_up: Mapping[str, str | None] | None,
    ) -> ConversationClosed:
        """The close of a finished issue (webhook or API shape); a reporter known by account
        id only is refused saying what to do (`looked_up`: what Jira's API answered)."""
        reporter = Reader(data, "Jira").value("issue.fields.reporter")
        if isinstance(reporter, Mapping) and not reporter.get("emailAddress"):
            account = reporter.get("accountId")
            if isinstance(account, str) and account:
                raise PayloadError(_no_email(account, looked_up), {REQUESTER_EMAIL: "required"})
        return self.closed_from(WEBHOOK_CLOSE, Reader(data, "Jira webhook"), key, at)

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


def hidden_accounts(data: Mapping[str, Any]) -> list[str]:
    """The account ids of the people a webhook names without an e-mail, each once."""
    reader = Reader(data, "Jira")
    found: list[str] = []
    for path in PEOPLE:
        person = reader.value(path)
        if isinstance(person, Mapping) and not person.get("emailAddress"):
            account = person.get("accountId")
            if isinstance(account, str) and account and account not in found:
                found.append(account)
    return found


def with_emails(data: Mapping[str, Any], emails: Mapping[str, str | None]) -> dict[str, Any]:
    """A copy of `data` whose people carry the e-mails Jira's API gave for their account ids."""
    enriched = copy.deepcopy(dict(data))
    reader = Reader(enriched, "Jira")
    for path in PEOPLE:
        person = reader.value(path)
        if isinstance(person, dict) and not person.get("emailAddress"):
            email = emails.get(str(person.get("accountId")))
            if email:
                person["emailAddress"] = email
    return enriched


def _no_email(account: str, looked_up: Mapping[str, str | None] | None) -> str:
    if looked_up is None:
        return (
            f"the reporter is named by account id only ({account[:64]}), as Jira Cloud does: "
            f"set {API_SETTINGS} so ratebot looks the e-mail up, {AUTOMATION_HINT}"
        )
    return (
        f"Jira's API gives no e-mail for the reporter ({account[:64]}): their profile's "
        f"visibility hides it; let the e-mail be seen (Atlassian profile, 'Contact' visible "
        f"to anyone) or {AUTOMATION_HINT}"
    )


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
