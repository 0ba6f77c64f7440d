"""Every vendor source, built from its secrets: one secret each, one shared clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from adapters.helpdesk.freshservice import FreshserviceWebhook
from adapters.helpdesk.github import GitHubWebhook
from adapters.helpdesk.glpi import DEFAULT_MAX_AGE, GlpiWebhook
from adapters.helpdesk.jira import JiraWebhook
from adapters.helpdesk.servicenow import ServiceNowWebhook
from adapters.helpdesk.vendor import VendorWebhook
from adapters.helpdesk.zammad import ZammadWebhook
from adapters.helpdesk.zendesk import ZendeskWebhook
from bot.domain.clock import Clock
from bot.ports.helpdesk_api import HelpdeskApi


@dataclass(frozen=True, slots=True)
class VendorSecrets:
    """The secret of each vendor source (None: that source refuses every request).

    The composition root fills it from the RATEBOT_<VENDOR>_SECRET settings.
    """

    zendesk: str | None = None
    jira: str | None = None
    freshservice: str | None = None
    servicenow: str | None = None
    zammad: str | None = None
    glpi: str | None = None
    github: str | None = None
    # GLPI re-sends a queued webhook with the signing time of its first try.
    glpi_max_age: timedelta = DEFAULT_MAX_AGE
    # The issue-form labels naming the requester's e-mail (empty: GitHub's defaults).
    github_email_labels: tuple[str, ...] = ()


def vendor_sources(
    secrets: VendorSecrets, clock: Clock, apis: Mapping[str, HelpdeskApi] | None = None
) -> list[VendorWebhook]:
    """The native helpdesk sources; each refuses every request until its secret is set.

    `apis`: the connected helpdesk APIs by source: Jira's resolves Cloud's account ids,
    GLPI's the e-mails of users whose login is not one.
    """
    return [
        ZendeskWebhook(secrets.zendesk, clock=clock),
        JiraWebhook(secrets.jira, clock=clock, api=(apis or {}).get("jira")),
        FreshserviceWebhook(secrets.freshservice, clock=clock),
        ServiceNowWebhook(secrets.servicenow, clock=clock),
        ZammadWebhook(secrets.zammad, clock=clock),
        GlpiWebhook(
            secrets.glpi, clock=clock, max_age=secrets.glpi_max_age,
            api=(apis or {}).get("glpi"),
        ),
        GitHubWebhook(secrets.github, clock=clock, email_labels=secrets.github_email_labels),
    ]
