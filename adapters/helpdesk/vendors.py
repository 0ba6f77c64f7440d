"""Every vendor source, built from the settings: one secret each, one shared clock."""

from __future__ import annotations

from datetime import timedelta

from pydantic import SecretStr

from adapters.helpdesk.freshservice import FreshserviceWebhook
from adapters.helpdesk.github import GitHubWebhook
from adapters.helpdesk.glpi import GlpiWebhook
from adapters.helpdesk.jira import JiraWebhook
from adapters.helpdesk.servicenow import ServiceNowWebhook
from adapters.helpdesk.vendor import VendorWebhook
from adapters.helpdesk.zammad import ZammadWebhook
from adapters.helpdesk.zendesk import ZendeskWebhook
from app.settings import Settings
from bot.domain.clock import Clock


def _value(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() or None if secret is not None else None


def vendor_sources(settings: Settings, clock: Clock) -> list[VendorWebhook]:
    """The native helpdesk sources; each refuses every request until its secret is set."""
    return [
        ZendeskWebhook(_value(settings.zendesk_secret), clock=clock),
        JiraWebhook(_value(settings.jira_secret), clock=clock),
        FreshserviceWebhook(_value(settings.freshservice_secret), clock=clock),
        ServiceNowWebhook(_value(settings.servicenow_secret), clock=clock),
        ZammadWebhook(_value(settings.zammad_secret), clock=clock),
        GlpiWebhook(
            _value(settings.glpi_secret),
            clock=clock,
            max_age=timedelta(hours=settings.glpi_max_age_hours),
        ),
        GitHubWebhook(_value(settings.github_secret), clock=clock),
    ]
