"""Which helpdesk APIs the settings connect: all of a product's settings, or none of it."""

from __future__ import annotations

from adapters.helpdesk.api.connected import helpdesk_apis
from app.platforms import api_configs
from app.settings import load_settings


def test_nothing_is_connected_by_default() -> None:
    assert helpdesk_apis(api_configs(load_settings({}))) == {}


def test_a_product_is_connected_once_its_url_and_credentials_are_all_set() -> None:
    settings = load_settings({
        "RATEBOT_JIRA_URL": "https://acme.atlassian.net",
        "RATEBOT_JIRA_EMAIL": "bot@acme.example", "RATEBOT_JIRA_API_TOKEN": "t",
        "RATEBOT_ZENDESK_URL": "https://acme.zendesk.com",
        "RATEBOT_ZENDESK_EMAIL": "bot@acme.example",  # no token: not connected
        "RATEBOT_SERVICENOW_URL": "https://acme.service-now.com",
        "RATEBOT_SERVICENOW_USER": "ratebot", "RATEBOT_SERVICENOW_PASSWORD": "p",
        "RATEBOT_FRESHSERVICE_URL": "https://acme.freshservice.com",
        "RATEBOT_FRESHSERVICE_API_KEY": "",  # empty counts as not set
    })
    configs = api_configs(settings)
    assert configs.jira is not None and configs.jira.cloud
    assert configs.jira.authorization().startswith("Basic ")
    assert configs.zendesk is None and configs.freshservice is None
    assert sorted(helpdesk_apis(configs)) == ["jira", "servicenow"]


def test_jira_data_center_takes_a_personal_access_token() -> None:
    settings = load_settings({"RATEBOT_JIRA_URL": "https://jira.acme.example",
                              "RATEBOT_JIRA_PERSONAL_TOKEN": "pat"})
    config = api_configs(settings).jira
    assert config is not None and not config.cloud
    assert config.authorization() == "Bearer pat"
