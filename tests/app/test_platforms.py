"""Each setting reaches the adapter config it always drove, under the same name."""

from __future__ import annotations

from datetime import timedelta

from adapters.helpdesk.vendors import VendorSecrets, vendor_sources
from adapters.slack.app import SlackConfig, slack_configured
from adapters.teams.app import BotFrameworkConfig, TeamsConfig
from app.platforms import slack_config, teams_config, vendor_secrets
from app.settings import load_settings
from tests.fakes.clock import FakeClock


def test_the_slack_settings_make_the_slack_config() -> None:
    settings = load_settings({
        "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "signing",
        "SLACK_APP_TOKEN": "xapp-1", "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "RATEBOT_LOCALE": "nl", "RATEBOT_ADMINS": "a@example.com, U123",
        "RATEBOT_DATABASE_URL": "postgresql://db/ratebot",
    })
    assert slack_config(settings) == SlackConfig(
        bot_token="xoxb-1", signing_secret="signing", app_token="xapp-1",
        api_url="http://127.0.0.1:9/api/", default_locale="nl",
        admins=("a@example.com", "U123"), shared_rate_limits=True,
    )


def test_slack_is_configured_with_a_bot_token_and_a_way_in() -> None:
    def configured(env: dict[str, str]) -> bool:
        return slack_configured(slack_config(load_settings(env)))

    assert not configured({})
    assert not configured({"SLACK_BOT_TOKEN": "xoxb-1"})
    assert configured({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    assert configured({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})


def test_the_microsoft_settings_make_the_teams_config() -> None:
    settings = load_settings({
        "MicrosoftAppId": "app", "MicrosoftAppPassword": "secret",
        "MicrosoftAppTenantId": "tenant", "MicrosoftAppType": "SingleTenant",
        "RATEBOT_ADMINS": "a@example.com",
    })
    config = teams_config(settings)
    assert config == TeamsConfig(app_id="app", app_password="secret", app_type="SingleTenant",
                                 tenant_id="tenant", admins=("a@example.com",))
    bot_framework = BotFrameworkConfig(config)
    assert (bot_framework.APP_ID, bot_framework.APP_PASSWORD, bot_framework.APP_TYPE,
            bot_framework.APP_TENANTID) == ("app", "secret", "SingleTenant", "tenant")
    unset = BotFrameworkConfig(teams_config(load_settings({})))
    assert (unset.APP_ID, unset.APP_PASSWORD, unset.APP_TYPE, unset.APP_TENANTID) == (
        "", "", "MultiTenant", "")


def test_each_vendor_secret_reaches_its_source_and_an_empty_one_counts_as_unset() -> None:
    settings = load_settings({
        "RATEBOT_ZENDESK_SECRET": "z", "RATEBOT_JIRA_SECRET": "", "RATEBOT_GLPI_SECRET": "g",
        "RATEBOT_GLPI_MAX_AGE_HOURS": "2",
    })
    secrets = vendor_secrets(settings)
    assert secrets == VendorSecrets(zendesk="z", glpi="g", glpi_max_age=timedelta(hours=2))
    configured = {source.name for source in vendor_sources(secrets, FakeClock())
                  if source.configured}
    assert configured == {"zendesk", "glpi"}
    assert vendor_secrets(load_settings({})).glpi_max_age == timedelta(hours=168)
