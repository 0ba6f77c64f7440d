"""Settings: one frozen, validated object, built once from the environment or a mapping."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.errors import InvalidValue
from bot.domain.hours import WorkingHours
from bot.flows.admin import admin_identifier


class SettingsError(Exception):
    """One line naming every bad setting and what is wrong with it."""


class Settings(BaseSettings):
    """Every setting ratebot reads. Names are the contract in DESIGN.md."""

    model_config = SettingsConfigDict(
        frozen=True, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field("sqlite:///ratebot.db", validation_alias="RATEBOT_DATABASE_URL")
    host: str = Field("127.0.0.1", validation_alias="RATEBOT_HOST")
    port: int = Field(3000, ge=1, le=65535, validation_alias="RATEBOT_PORT")
    admins: Annotated[tuple[str, ...], NoDecode] = Field((), validation_alias="RATEBOT_ADMINS")
    timezone: str = Field("UTC", validation_alias="RATEBOT_TIMEZONE")
    locale: str = Field("en", validation_alias="RATEBOT_LOCALE")
    webhook_secret: SecretStr | None = Field(None, validation_alias="RATEBOT_WEBHOOK_SECRET")
    # One secret per helpdesk source; a source without one refuses every request.
    zendesk_secret: SecretStr | None = Field(None, validation_alias="RATEBOT_ZENDESK_SECRET")
    jira_secret: SecretStr | None = Field(None, validation_alias="RATEBOT_JIRA_SECRET")
    freshservice_secret: SecretStr | None = Field(
        None, validation_alias="RATEBOT_FRESHSERVICE_SECRET"
    )
    servicenow_secret: SecretStr | None = Field(None, validation_alias="RATEBOT_SERVICENOW_SECRET")
    zammad_secret: SecretStr | None = Field(None, validation_alias="RATEBOT_ZAMMAD_SECRET")
    glpi_secret: SecretStr | None = Field(None, validation_alias="RATEBOT_GLPI_SECRET")
    github_secret: SecretStr | None = Field(None, validation_alias="RATEBOT_GITHUB_SECRET")
    # The issue-form labels the requester's e-mail is read under; empty: the built-in ones.
    github_email_labels: Annotated[tuple[str, ...], NoDecode] = Field(
        (), validation_alias="RATEBOT_GITHUB_EMAIL_LABELS"
    )
    # GLPI re-sends a queued webhook with the signing time of its first try.
    glpi_max_age_hours: float = Field(
        168.0, gt=0, le=24 * 366, validation_alias="RATEBOT_GLPI_MAX_AGE_HOURS"
    )
    # Helpdesk APIs: resolve ids a webhook leaves out, and the reconcile poll.
    jira_url: str | None = Field(None, validation_alias="RATEBOT_JIRA_URL")
    jira_email: str | None = Field(None, validation_alias="RATEBOT_JIRA_EMAIL")
    jira_api_token: SecretStr | None = Field(None, validation_alias="RATEBOT_JIRA_API_TOKEN")
    jira_personal_token: SecretStr | None = Field(
        None, validation_alias="RATEBOT_JIRA_PERSONAL_TOKEN"
    )
    zendesk_url: str | None = Field(None, validation_alias="RATEBOT_ZENDESK_URL")
    zendesk_email: str | None = Field(None, validation_alias="RATEBOT_ZENDESK_EMAIL")
    zendesk_api_token: SecretStr | None = Field(
        None, validation_alias="RATEBOT_ZENDESK_API_TOKEN"
    )
    servicenow_url: str | None = Field(None, validation_alias="RATEBOT_SERVICENOW_URL")
    servicenow_user: str | None = Field(None, validation_alias="RATEBOT_SERVICENOW_USER")
    servicenow_password: SecretStr | None = Field(
        None, validation_alias="RATEBOT_SERVICENOW_PASSWORD"
    )
    freshservice_url: str | None = Field(None, validation_alias="RATEBOT_FRESHSERVICE_URL")
    freshservice_api_key: SecretStr | None = Field(
        None, validation_alias="RATEBOT_FRESHSERVICE_API_KEY"
    )
    glpi_url: str | None = Field(None, validation_alias="RATEBOT_GLPI_URL")
    glpi_user_token: SecretStr | None = Field(None, validation_alias="RATEBOT_GLPI_USER_TOKEN")
    glpi_app_token: SecretStr | None = Field(None, validation_alias="RATEBOT_GLPI_APP_TOKEN")
    # How often `serve` asks each connected helpdesk for closes whose webhook never came.
    reconcile_minutes: float = Field(
        15.0, ge=1, le=24 * 60, validation_alias="RATEBOT_RECONCILE_MINUTES"
    )
    # How often `serve` lists Slack's directory (users.list) to map people by email.
    slack_directory_minutes: float = Field(
        360.0, ge=5, le=7 * 24 * 60, validation_alias="RATEBOT_SLACK_DIRECTORY_MINUTES"
    )
    # Where a helpdesk group without a mapping goes; unset, such a close is refused (422).
    default_team: str | None = Field(None, validation_alias="RATEBOT_DEFAULT_TEAM")
    cooldown_days: int = Field(14, ge=0, le=365, validation_alias="RATEBOT_COOLDOWN_DAYS")
    working_hours: Annotated[WorkingHours, NoDecode] = Field(
        WorkingHours.default(), validation_alias="RATEBOT_WORKING_HOURS"
    )
    min_respondents: int = Field(5, ge=1, validation_alias="RATEBOT_MIN_RESPONDENTS")
    # Keys what remembers that an anonymous prompt was answered; kept out of the database.
    anonymity_key: SecretStr | None = Field(None, validation_alias="RATEBOT_ANONYMITY_KEY")
    # Months kept before the daily retention job removes them; 0 keeps them forever.
    retention_comment_months: int = Field(
        24, ge=0, le=1200, validation_alias="RATEBOT_RETENTION_COMMENT_MONTHS"
    )
    retention_identity_months: int = Field(
        24, ge=0, le=1200, validation_alias="RATEBOT_RETENTION_IDENTITY_MONTHS"
    )
    retention_prompt_months: int = Field(
        13, ge=0, le=1200, validation_alias="RATEBOT_RETENTION_PROMPT_MONTHS"
    )
    digest_grace_hours: float = Field(
        24.0, ge=0, le=24 * 14, validation_alias="RATEBOT_DIGEST_GRACE_HOURS"
    )
    delivery_interval: float = Field(
        2.0, gt=0, le=3600, validation_alias="RATEBOT_DELIVERY_INTERVAL_SECONDS"
    )
    max_delivery_attempts: int = Field(8, ge=1, le=100, validation_alias="RATEBOT_MAX_ATTEMPTS")
    delivery_lease: float = Field(
        60.0, ge=1, le=3600, validation_alias="RATEBOT_DELIVERY_LEASE_SECONDS"
    )
    log_level: str = Field("INFO", validation_alias="RATEBOT_LOG_LEVEL")
    # text for a terminal; json (one object a line) for log shippers
    log_format: str = Field("text", validation_alias="RATEBOT_LOG_FORMAT")

    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str | None = Field(None, validation_alias="SLACK_API_URL")

    microsoft_app_id: str | None = Field(None, validation_alias="MicrosoftAppId")
    microsoft_app_password: SecretStr | None = Field(None, validation_alias="MicrosoftAppPassword")
    microsoft_app_tenant_id: str | None = Field(None, validation_alias="MicrosoftAppTenantId")
    microsoft_app_type: str = Field("MultiTenant", validation_alias="MicrosoftAppType")
    # Install the app for a person Teams cannot reach yet, through Microsoft Graph (needs the
    # TeamsAppInstallation.ReadWriteSelfForUser.All application permission).
    teams_self_install: bool = Field(False, validation_alias="RATEBOT_TEAMS_SELF_INSTALL")
    teams_app_catalog_id: str | None = Field(None, validation_alias="RATEBOT_TEAMS_APP_CATALOG_ID")
    # Another cloud's Microsoft Graph and sign-in service (national clouds, tests).
    graph_url: str = Field(
        "https://graph.microsoft.com/v1.0", validation_alias="RATEBOT_GRAPH_URL"
    )
    login_url: str = Field(
        "https://login.microsoftonline.com", validation_alias="RATEBOT_LOGIN_URL"
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not re.match(r"^(sqlite|postgres|postgresql)(\+\w+)?://", value):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @field_validator("admins", "github_email_labels", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("admins")
    @classmethod
    def _valid_admins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # The same admins as `admins add` would take, written the same way.
        try:
            return tuple(admin_identifier(each) for each in value)
        except InvalidValue as exc:
            raise ValueError(str(exc).rstrip(".")) from None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r} (use an IANA name like Europe/Amsterdam)"
            ) from None
        return value

    @field_validator("working_hours", mode="before")
    @classmethod
    def _parse_hours(cls, value: object) -> object:
        return WorkingHours.parse(value) if isinstance(value, str) else value

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in ("en", "nl"):
            raise ValueError("must be 'en' or 'nl'")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @field_validator("log_format")
    @classmethod
    def _known_log_format(cls, value: str) -> str:
        if value.lower() not in ("text", "json"):
            raise ValueError("must be text or json")
        return value.lower()

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgres")

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None and self.slack_signing_secret is not None

    def incomplete_platforms(self) -> list[str]:
        """What a chat platform set up half way is missing, setting by setting.

        Each is a platform that would silently not be served: `serve` refuses to start
        with any (a command that uses no platform does not care).
        """
        problems = []
        slack_way_in = self.slack_signing_secret is not None or self.slack_app_token is not None
        if self.slack_bot_token is not None and not slack_way_in:
            problems.append("SLACK_BOT_TOKEN is set without SLACK_SIGNING_SECRET "
                            "(or SLACK_APP_TOKEN for Socket Mode)")
        if self.slack_bot_token is None and slack_way_in:
            given = "SLACK_SIGNING_SECRET" if self.slack_signing_secret else "SLACK_APP_TOKEN"
            problems.append(f"{given} is set without SLACK_BOT_TOKEN")
        # A managed identity signs in without a password; every other app type needs one.
        needs_password = self.microsoft_app_type != "UserAssignedMSI"
        if self.microsoft_app_id and needs_password and self.microsoft_app_password is None:
            problems.append("MicrosoftAppId is set without MicrosoftAppPassword")
        if not self.microsoft_app_id and self.microsoft_app_password is not None:
            problems.append("MicrosoftAppPassword is set without MicrosoftAppId")
        if self.teams_self_install and not (self.microsoft_app_id and self.microsoft_app_password):
            problems.append("RATEBOT_TEAMS_SELF_INSTALL is set without MicrosoftAppId and "
                            "MicrosoftAppPassword")
        if self.teams_self_install and not self.teams_app_catalog_id:
            problems.append("RATEBOT_TEAMS_SELF_INSTALL is set without "
                            "RATEBOT_TEAMS_APP_CATALOG_ID")
        return problems


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from `environ` (tests) or from the process environment and `.env`.

    Raise `SettingsError` with one line that names every bad setting.
    """
    try:
        if environ is None:
            return Settings()
        return Settings.model_validate(dict(environ))
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise SettingsError("bad setting " + "; ".join(problems)) from None
