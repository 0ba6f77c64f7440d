"""The helpdesk APIs the settings connect, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.helpdesk.api.freshservice import FreshserviceApi, FreshserviceApiConfig
from adapters.helpdesk.api.glpi import GlpiApi, GlpiApiConfig
from adapters.helpdesk.api.jira import JiraApi, JiraApiConfig
from adapters.helpdesk.api.servicenow import ServiceNowApi, ServiceNowApiConfig
from adapters.helpdesk.api.zendesk import ZendeskApi, ZendeskApiConfig
from bot.ports.helpdesk_api import HelpdeskApi


@dataclass(frozen=True, slots=True)
class ApiConfigs:
    """One config per helpdesk whose API is connected (None: not connected)."""

    jira: JiraApiConfig | None = None
    zendesk: ZendeskApiConfig | None = None
    servicenow: ServiceNowApiConfig | None = None
    freshservice: FreshserviceApiConfig | None = None
    glpi: GlpiApiConfig | None = None


def helpdesk_apis(configs: ApiConfigs) -> dict[str, HelpdeskApi]:
    """The connected APIs by source name; each opens its HTTP session on first use."""
    apis: dict[str, HelpdeskApi] = {}
    if configs.jira is not None:
        apis["jira"] = JiraApi(configs.jira)
    if configs.zendesk is not None:
        apis["zendesk"] = ZendeskApi(configs.zendesk)
    if configs.servicenow is not None:
        apis["servicenow"] = ServiceNowApi(configs.servicenow)
    if configs.freshservice is not None:
        apis["freshservice"] = FreshserviceApi(configs.freshservice)
    if configs.glpi is not None:
        apis["glpi"] = GlpiApi(configs.glpi)
    return apis
