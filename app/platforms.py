"""From the settings to each platform's own config: Slack, Teams and the helpdesk secrets.

Adapters never read the settings: each takes a small frozen config of its own, and only
the composition root knows how a setting maps onto it. Which platforms are served, and
on which address that is safe, is decided here too.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import timedelta

from pydantic import SecretStr

from adapters.helpdesk.api.connected import ApiConfigs
from adapters.helpdesk.api.freshservice import FreshserviceApiConfig
from adapters.helpdesk.api.glpi import GlpiApiConfig
from adapters.helpdesk.api.jira import JiraApiConfig
from adapters.helpdesk.api.servicenow import ServiceNowApiConfig
from adapters.helpdesk.api.zendesk import ZendeskApiConfig
from adapters.helpdesk.vendors import VendorSecrets
from adapters.slack.app import SlackConfig
from adapters.teams.app import ENDPOINT as TEAMS_ENDPOINT
from adapters.teams.app import TeamsConfig, make_adapter
from adapters.teams.graph import GraphConfig, GraphInstaller
from adapters.teams.outbound import TeamsChat, card_chart
from app.settings import Settings, SettingsError
from bot.domain.clock import Clock
from bot.ports.charts import ChartRenderer
from bot.ports.store import Store

log = logging.getLogger(__name__)


def reveal(secret: SecretStr | None) -> str | None:
    """The secret's text; an empty setting stays empty (set, and refused where it is used)."""
    return secret.get_secret_value() if secret is not None else None


def vendor_secret(secret: SecretStr | None) -> str | None:
    """A helpdesk secret's text; an empty one counts as not set, so the source says so."""
    return reveal(secret) or None


def slack_config(settings: Settings) -> SlackConfig:
    return SlackConfig(
        bot_token=reveal(settings.slack_bot_token),
        signing_secret=reveal(settings.slack_signing_secret),
        app_token=reveal(settings.slack_app_token),
        api_url=settings.slack_api_url,
        default_locale=settings.locale,
        admins=settings.admins,
        shared_rate_limits=settings.is_postgres,
    )


def teams_config(settings: Settings) -> TeamsConfig:
    return TeamsConfig(
        app_id=settings.microsoft_app_id,
        app_password=reveal(settings.microsoft_app_password),
        app_type=settings.microsoft_app_type,
        tenant_id=settings.microsoft_app_tenant_id,
        default_locale=settings.locale,
        admins=settings.admins,
    )


def teams_chat_for(
    settings: Settings, store: Store, clock: Clock, charts: ChartRenderer | None = None
) -> TeamsChat:
    """The Teams `ChatPort`. Without `MicrosoftAppId` it is the Bot Framework Emulator's:
    no credentials, and only the chats the Emulator opened (others wait, pending)."""
    config = teams_config(settings)
    return TeamsChat(
        make_adapter(config), store, clock,
        app_id=config.app_id, tenant_id=config.tenant_id,
        default_locale=config.default_locale,
        chart=None if charts is None else card_chart(charts),
        emulator=not settings.microsoft_app_id,
        installer=graph_installer(settings, clock),
    )


def graph_installer(settings: Settings, clock: Clock) -> GraphInstaller | None:
    """Self-installation through Microsoft Graph, when asked for and fully configured."""
    password = reveal(settings.microsoft_app_password)
    if not (settings.teams_self_install and settings.microsoft_app_id and password
            and settings.teams_app_catalog_id):
        return None
    return GraphInstaller(
        GraphConfig(
            app_id=settings.microsoft_app_id, app_password=password,
            catalog_id=settings.teams_app_catalog_id, graph_url=settings.graph_url,
            login_url=settings.login_url,
        ),
        clock,
    )


def vendor_secrets(settings: Settings) -> VendorSecrets:
    return VendorSecrets(
        zendesk=vendor_secret(settings.zendesk_secret),
        jira=vendor_secret(settings.jira_secret),
        freshservice=vendor_secret(settings.freshservice_secret),
        servicenow=vendor_secret(settings.servicenow_secret),
        zammad=vendor_secret(settings.zammad_secret),
        glpi=vendor_secret(settings.glpi_secret),
        github=vendor_secret(settings.github_secret),
        glpi_max_age=timedelta(hours=settings.glpi_max_age_hours),
        github_email_labels=settings.github_email_labels,
    )


def api_configs(settings: Settings) -> ApiConfigs:
    """The helpdesk APIs whose URL and credentials are all set (others stay unconnected)."""
    jira = JiraApiConfig(
        settings.jira_url or "", email=settings.jira_email,
        api_token=vendor_secret(settings.jira_api_token),
        personal_token=vendor_secret(settings.jira_personal_token),
    )
    zendesk_token = vendor_secret(settings.zendesk_api_token)
    zendesk = None
    if settings.zendesk_url and settings.zendesk_email and zendesk_token:
        zendesk = ZendeskApiConfig(settings.zendesk_url, settings.zendesk_email, zendesk_token)
    servicenow_password = vendor_secret(settings.servicenow_password)
    servicenow = None
    if settings.servicenow_url and settings.servicenow_user and servicenow_password:
        servicenow = ServiceNowApiConfig(
            settings.servicenow_url, settings.servicenow_user, servicenow_password
        )
    freshservice_key = vendor_secret(settings.freshservice_api_key)
    freshservice = None
    if settings.freshservice_url and freshservice_key:
        freshservice = FreshserviceApiConfig(settings.freshservice_url, freshservice_key)
    glpi_token = vendor_secret(settings.glpi_user_token)
    glpi = None
    if settings.glpi_url and glpi_token:
        glpi = GlpiApiConfig(settings.glpi_url, glpi_token, vendor_secret(settings.glpi_app_token))
    return ApiConfigs(
        jira=jira if jira.usable else None, zendesk=zendesk, servicenow=servicenow,
        freshservice=freshservice, glpi=glpi,
    )


def teams_enabled(settings: Settings) -> bool:
    """Whether to serve Teams: with a Bot Framework app id, or when no Slack is set up either.

    The second case is local use with the Bot Framework Emulator; `check_bind` keeps it on
    loopback. A Slack-only deployment serves no Teams endpoint at all.
    """
    return bool(settings.microsoft_app_id) or not settings.slack_enabled


def check_bind(settings: Settings) -> None:
    """Refuse to serve an unauthenticated Bot Framework endpoint beyond loopback.

    Without `MicrosoftAppId` the endpoint accepts any request (for the Bot Framework
    Emulator); that is only safe when nothing but this machine can reach it.
    """
    if settings.microsoft_app_id or not teams_enabled(settings):
        return
    if not _is_loopback(settings.host):
        raise SettingsError(
            f"bad setting RATEBOT_HOST: MicrosoftAppId is not set, so {TEAMS_ENDPOINT} would "
            f"accept unauthenticated requests on {settings.host}; set MicrosoftAppId and "
            "MicrosoftAppPassword, or bind to 127.0.0.1"
        )
    log.warning(
        "Teams runs in Bot Framework Emulator mode (MicrosoftAppId is not set): %s accepts "
        "unauthenticated requests, on loopback only, and prompts go to people who opened a "
        "chat with the bot (others wait, pending)", TEAMS_ENDPOINT,
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
