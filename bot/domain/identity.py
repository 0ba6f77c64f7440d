"""Whatever a platform or a helpdesk tells us about a person."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PersonIdentity:
    """Whatever is known of someone; the store matches on any id and fills the gaps."""

    email: str | None = None
    display_name: str | None = None
    locale: str | None = None
    timezone: str | None = None
    slack_user_id: str | None = None
    teams_user_id: str | None = None
    teams_aad_object_id: str | None = None
    # The Microsoft 365 tenant Teams last saw them in: where a chat with them is opened.
    teams_tenant_id: str | None = None
