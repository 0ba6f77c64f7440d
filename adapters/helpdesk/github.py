"""GitHub: `issues` events of a repository where internal requests are filed as issues.

GitHub signs with the webhook secret: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of
the raw body>`. GitHub never sends e-mail addresses, so the requester's comes from the
issue body (the issue form in docs/integrations/github.md asks for it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from adapters.helpdesk.auth import Signature
from adapters.helpdesk.source import Ignored, WebhookEvent, is_email, load_object
from adapters.helpdesk.vendor import Reader, VendorWebhook, pick_agent
from bot.domain.events import ConversationReopened

SIGNATURE_HEADER = "X-Hub-Signature-256"
EVENT_HEADER = "X-GitHub-Event"
# The labels an issue body may give the requester's address under ("### Email" in a form).
REQUESTER_LABELS = frozenset({"email", "e-mail", "requester", "requester email", "your email"})
# Closed as "not planned" or "duplicate": nothing was done for the requester to rate.
SERVED = frozenset({"completed", ""})


class GitHubWebhook(VendorWebhook):
    """The `github` source."""

    name = "github"
    secret_setting = "RATEBOT_GITHUB_SECRET"
    proof = Signature(SIGNATURE_HEADER, prefix="sha256=")

    def signed_headers(self, body: bytes, secret: str, now: datetime) -> dict[str, str]:
        return {**super().signed_headers(body, secret, now), EVENT_HEADER: "issues"}

    def parse(self, body: bytes, *, received_at: datetime) -> WebhookEvent:
        fields = Reader(load_object(body), "GitHub")
        if fields.value("zen") is not None and fields.value("hook_id") is not None:
            return Ignored("ping: the webhook is connected")
        if not isinstance(fields.value("issue"), Mapping) or fields.value("comment") is not None:
            return Ignored("not an issues event")
        action, number, repository = fields.require(
            "action", "issue.number", "repository.full_name"
        )
        ticket = f"{repository}#{number}"
        if action == "reopened":
            return ConversationReopened(self.name, ticket, received_at)
        if action != "closed":
            return Ignored(f"issue action '{action}' neither closes nor reopens it")
        reason = (fields.text("issue.state_reason") or "").casefold()
        if reason not in SERVED:
            return Ignored(f"issue closed as '{reason}': nothing to rate")
        requester = requester_email(fields.text("issue.body", limit=65_536))
        if requester is None:
            return Ignored("the issue body names no requester e-mail (### Email in the form)")
        assignee = fields.text("issue.assignee.login")
        closer = fields.text("sender.login")
        author = fields.text("issue.user.login")
        # GitHub has logins, not e-mails: the agent is known by name only.
        agent_email, agent_name = pick_agent(
            [(None, assignee), (None, closer if closer != author else None)], requester
        )
        return self.closed(
            fields,
            ticket,
            requester=requester,
            team=repository,
            closed_at=fields.moment("issue.closed_at") or received_at,
            subject=fields.text("issue.title", limit=500),
            agent_email=agent_email,
            agent_name=agent_name,
            requester_name=author,
        )


def requester_email(body: str | None) -> str | None:
    """The address under a `### Email` heading (issue forms) or on an `Email: ...` line."""
    if not body:
        return None
    lines = [line.strip() for line in body.splitlines()]
    for index, line in enumerate(lines):
        label, colon, value = line.lstrip("#").strip().partition(":")
        key = label.strip().strip("*_").strip().casefold()
        if key not in REQUESTER_LABELS:
            continue
        candidate = value.strip() if colon and value.strip() else _next_text(lines, index + 1)
        candidate = (candidate or "").strip("<>`* ")
        if is_email(candidate):
            return candidate.lower()
    return None


def _next_text(lines: list[str], start: int) -> str | None:
    for line in lines[start:]:
        if line:
            return line
    return None
