"""GitHub: `issues` events of a repository where internal requests are filed as issues.

GitHub signs with the webhook secret: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of
the raw body>`. GitHub never sends e-mail addresses, so the requester's comes from the
issue body (the issue form in docs/integrations/github.md asks for it). GitHub renders a
form's answers into the body as `### <label>`, a blank line and the answer (`_No response_`
for an optional field left empty); hand-written issues say `Email: ...`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from adapters.helpdesk.auth import Signature
from adapters.helpdesk.source import Ignored, WebhookEvent, is_email, load_object
from adapters.helpdesk.vendor import Reader, VendorWebhook, pick_agent
from bot.domain.clock import Clock
from bot.domain.events import ConversationReopened

SIGNATURE_HEADER = "X-Hub-Signature-256"
EVENT_HEADER = "X-GitHub-Event"
EMAIL_LABELS_SETTING = "RATEBOT_GITHUB_EMAIL_LABELS"
# The labels an issue body may give the requester's address under, unless the setting names
# others: the usual spellings, and "Contact Details", the e-mail field of GitHub's own
# example form (which many repositories copied).
DEFAULT_EMAIL_LABELS = (
    "Email",
    "E-mail",
    "Email address",
    "E-mail address",
    "Your email",
    "Your email address",
    "Contact Details",
    "Contact",
    "Contact email",
    "Requester",
    "Requester email",
)
# Closed as "not planned" or "duplicate": nothing was done for the requester to rate.
SERVED = frozenset({"completed", ""})


class GitHubWebhook(VendorWebhook):
    """The `github` source."""

    name = "github"
    secret_setting = "RATEBOT_GITHUB_SECRET"
    proof = Signature(SIGNATURE_HEADER, prefix="sha256=")

    def __init__(
        self,
        secret: str | None,
        *,
        clock: Clock | None = None,
        email_labels: Iterable[str] = (),
    ) -> None:
        super().__init__(secret, clock=clock)
        # No labels configured: the defaults (an empty setting must not ignore every issue).
        self.email_labels = EmailLabels.of(email_labels or DEFAULT_EMAIL_LABELS)

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
        found = self.email_labels.find(fields.text("issue.body", limit=65_536))
        if found is None:
            return Ignored(
                "the issue body names no requester e-mail under any of its labels "
                f"({self.email_labels}; {EMAIL_LABELS_SETTING})"
            )
        requester = found.email
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


@dataclass(frozen=True, slots=True)
class RequesterField:
    """The requester's address and the label, as the body spells it, it was found under."""

    email: str
    label: str


@dataclass(frozen=True, slots=True)
class EmailLabels:
    """The labels that name the requester's e-mail in an issue body, matched case-insensitively."""

    labels: tuple[str, ...]  # as configured, for messages
    keys: frozenset[str]  # as compared

    @classmethod
    def of(cls, labels: Iterable[str]) -> EmailLabels:
        by_key: dict[str, str] = {}
        for label in labels:
            by_key.setdefault(_label_key(label), label.strip())
        by_key.pop("", None)
        return cls(tuple(by_key.values()), frozenset(by_key))

    def __str__(self) -> str:
        return ", ".join(f"'{label}'" for label in self.labels)

    def find(self, body: str | None) -> RequesterField | None:
        """The first address under a `### <label>` heading (forms) or on a `<label>: ...` line.

        A label whose answer is no address (`_No response_`, a login) is passed over, so a
        later one may still name it.
        """
        if not body:
            return None
        lines = [line.strip() for line in body.splitlines()]
        for index, line in enumerate(lines):
            label, colon, value = line.lstrip("#").strip().partition(":")
            if _label_key(label) not in self.keys:
                continue
            candidate = value.strip() if colon and value.strip() else _next_text(lines, index + 1)
            candidate = (candidate or "").strip("<>`* ")
            if is_email(candidate):
                return RequesterField(candidate.lower(), label.strip().strip("*_").strip())
        return None


def requester_email(body: str | None) -> str | None:
    """The address under one of the default labels, if the body names one."""
    found = EmailLabels.of(DEFAULT_EMAIL_LABELS).find(body)
    return found.email if found else None


def _label_key(label: str) -> str:
    # "**Email:**", "Email " and "email" are one label; so are "Contact  details" and its kin.
    return " ".join(label.strip().strip("*_").strip().rstrip(":").split()).casefold()


def _next_text(lines: list[str], start: int) -> str | None:
    for line in lines[start:]:
        if line:
            return line
    return None
