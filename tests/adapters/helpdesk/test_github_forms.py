"""GitHub issue forms: the requester's e-mail under the labels real forms use.

The events are shaped as octokit/webhooks' `issues` payload examples (the fields ratebot
reads, with GitHub's own values around them), closed as GitHub closes them; the bodies are
GitHub's rendering of an issue form: `### <label>`, a blank line, the answer, and
`_No response_` for an optional field left empty.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.helpdesk.github import (
    DEFAULT_EMAIL_LABELS,
    EMAIL_LABELS_SETTING,
    EmailLabels,
    GitHubWebhook,
    RequesterField,
)
from adapters.helpdesk.source import Ignored
from bot.domain.events import ConversationClosed
from tests.adapters.helpdesk.payloads import body

SECRET = "It's a Secret to Everybody"
AT = datetime(2026, 11, 25, 9, 31, tzinfo=UTC)

# GitHub's documented example form ("Syntax for issue forms"), answered: its e-mail field
# is "Contact Details" (id `contact`, placeholder "ex. email@example.com").
BUG_REPORT_FORM = (
    "### Contact Details\n\nJan@Example.com\n\n"
    "### What happened?\n\nA bug happened!\n\n"
    "### Version\n\n1.0.2 (Default)\n\n"
    "### What browsers are you seeing the problem on?\n\nFirefox, Chrome\n\n"
    "### Relevant log output\n\n_No response_\n\n"
    "### Code of Conduct\n\n- [X] I agree to follow this project's Code of Conduct"
)


def octokit_issue_event(issue_body: str, action: str = "closed") -> dict[str, Any]:
    """octokit's `issues` example (Codertocat/Hello-World#1), as GitHub sends it closed."""
    user = {
        "login": "Codertocat", "id": 21031067, "node_id": "MDQ6VXNlcjIxMDMxMDY3",
        "type": "User", "site_admin": False,
    }
    octocat = {**user, "login": "octocat", "id": 583231, "node_id": "MDQ6VXNlcjU4MzIzMQ=="}
    return {
        "action": action,
        "issue": {
            "url": "https://api.github.com/repos/Codertocat/Hello-World/issues/1",
            "html_url": "https://github.com/Codertocat/Hello-World/issues/1",
            "id": 444500041,
            "node_id": "MDU6SXNzdWU0NDQ1MDAwNDE=",
            "number": 1,
            "title": "Spelling error in the README file",
            "user": user,
            "labels": [{"id": 1362934389, "name": "bug", "color": "d73a4a", "default": True}],
            "state": "closed",
            "locked": False,
            "assignee": octocat,
            "assignees": [octocat],
            "milestone": None,
            "comments": 0,
            "created_at": "2019-05-15T15:20:18Z",
            "updated_at": "2019-05-15T15:20:21Z",
            "closed_at": "2019-05-15T15:20:21Z",
            "author_association": "OWNER",
            "active_lock_reason": None,
            "body": issue_body,
            "state_reason": "completed",
            "performed_via_github_app": None,
        },
        "repository": {
            "id": 186853002,
            "node_id": "MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=",
            "name": "Hello-World",
            "full_name": "Codertocat/Hello-World",
            "private": False,
            "owner": user,
        },
        "sender": user,
    }


def closed(issue_body: str, **options: Any) -> ConversationClosed | Ignored:
    source = GitHubWebhook(SECRET, **options)
    event = source.parse(body(octokit_issue_event(issue_body)), received_at=AT)
    assert isinstance(event, ConversationClosed | Ignored)
    return event


def test_githubs_own_example_form_names_the_requester_under_contact_details() -> None:
    event = closed(BUG_REPORT_FORM)
    assert event == ConversationClosed(
        source="github",
        ticket_id="Codertocat/Hello-World#1",
        requester_email="jan@example.com",
        team="Codertocat/Hello-World",
        closed_at=datetime(2019, 5, 15, 15, 20, 21, tzinfo=UTC),
        subject="Spelling error in the README file",
        agent_name="octocat",
        requester_name="Codertocat",
    )


@pytest.mark.parametrize(
    "label",
    ["Email", "Email address", "E-mail address", "email", "EMAIL ADDRESS", "Your email",
     "Contact details", "Requester email"],
)
def test_the_usual_labels_are_read_in_any_case(label: str) -> None:
    form = f"### {label}\n\njan@example.com\n\n### What do you need?\n\nA new laptop"
    event = closed(form)
    assert isinstance(event, ConversationClosed)
    assert event.requester_email == "jan@example.com"


def test_an_empty_optional_field_is_passed_over_for_a_later_label() -> None:
    form = (
        "### Contact Details\n\n_No response_\n\n### What happened?\n\nIt broke\n\n"
        "### Email address\n\njan@example.com"
    )
    assert EmailLabels.of(DEFAULT_EMAIL_LABELS).find(form) == RequesterField(
        "jan@example.com", "Email address"
    )


def test_a_form_answered_with_no_response_is_ignored_naming_the_labels_and_the_setting() -> None:
    event = closed("### Contact Details\n\n_No response_\n\n### What happened?\n\nIt broke")
    assert isinstance(event, Ignored)
    assert "'Contact Details'" in event.reason
    assert EMAIL_LABELS_SETTING in event.reason


def test_configured_labels_replace_the_defaults() -> None:
    form = "### Werkadres\n\njan@example.com\n\n### Contact Details\n\npiet@example.com"
    event = closed(form, email_labels=("werkadres", "  "))
    assert isinstance(event, ConversationClosed)
    assert event.requester_email == "jan@example.com"
    only_own = closed("### Contact Details\n\npiet@example.com", email_labels=("Werkadres",))
    assert isinstance(only_own, Ignored)
    assert "'Werkadres'" in only_own.reason


def test_no_labels_configured_means_the_defaults() -> None:
    assert GitHubWebhook(SECRET, email_labels=()).email_labels == EmailLabels.of(
        DEFAULT_EMAIL_LABELS
    )
    assert "Contact Details" in DEFAULT_EMAIL_LABELS


def test_the_label_used_is_reported_as_the_body_spells_it() -> None:
    labels = EmailLabels.of(DEFAULT_EMAIL_LABELS)
    assert labels.find(BUG_REPORT_FORM) == RequesterField("jan@example.com", "Contact Details")
    assert labels.find("**E-mail:** <jan@example.com>") == RequesterField(
        "jan@example.com", "E-mail"
    )
    # Windows line endings, as a body edited in some clients arrives.
    assert labels.find("### Email\r\n\r\njan@example.com\r\n") == RequesterField(
        "jan@example.com", "Email"
    )


def test_labels_are_one_label_whatever_their_case_spacing_or_colon() -> None:
    labels = EmailLabels.of(["Email", "email ", "EMAIL:", "Contact  Details", ""])
    assert labels.labels == ("Email", "Contact  Details")
    assert labels.keys == frozenset({"email", "contact details"})


def test_the_recipe_lists_the_default_labels_as_they_are() -> None:
    recipe = Path(__file__).parents[3] / "docs" / "integrations" / "github.md"
    text = recipe.read_text(encoding="utf-8")
    listed = text.split("The labels it knows by default:", 1)[1].split("\n\n", 2)[1]
    assert tuple(re.findall(r"`([^`]+)`", listed)) == DEFAULT_EMAIL_LABELS
