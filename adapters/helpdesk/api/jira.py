"""Jira's REST API: account ids to e-mails (Cloud), and the issues finished since a moment.

Cloud authenticates with an Atlassian account's e-mail and API token (basic auth) and
searches with `GET /rest/api/3/search/jql` (`nextPageToken` pages); Data Center takes a
personal access token (bearer) and pages `GET /rest/api/2/search` by `startAt`. JQL reads
a time in the API user's own timezone, so each poll searches `LOOKBACK` further back than
its checkpoint, then keeps only issues resolved after the checkpoint less `MARGIN` (the
answer's times carry their offset): closes read twice near the edge are duplicates at
intake, and a day's closes are not fed again at every poll.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.helpdesk.api.cache import TtlCache
from adapters.helpdesk.api.http import LOOKUP_PATIENCE_SECONDS, ApiClient, Sleep
from adapters.helpdesk.jira import NOT_SERVED, JiraWebhook, hidden_accounts, with_emails
from adapters.helpdesk.source import PayloadError
from bot.domain.events import ConversationClosed
from bot.ports.helpdesk_api import SolvedPage

LOOKBACK = timedelta(days=1)
# Issues resolved this long before the checkpoint are read again, in case the search index
# had not caught up with them at the last poll.
MARGIN = timedelta(hours=1)
PAGE_SIZE = 50
FIELDS = "summary,status,project,reporter,assignee,resolutiondate"


@dataclass(frozen=True, slots=True)
class JiraApiConfig:
    """`email` + `api_token`: Jira Cloud; `personal_token` alone: Data Center."""

    url: str
    email: str | None = None
    api_token: str | None = None
    personal_token: str | None = None

    @property
    def cloud(self) -> bool:
        return bool(self.email and self.api_token)

    @property
    def usable(self) -> bool:
        return bool(self.url) and (self.cloud or bool(self.personal_token))

    def authorization(self) -> str:
        if self.cloud:
            pair = f"{self.email}:{self.api_token}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        return f"Bearer {self.personal_token}"


class JiraApi:
    """`HelpdeskApi` for the `jira` source."""

    source = "jira"

    def __init__(self, config: JiraApiConfig, *, sleep: Sleep = asyncio.sleep) -> None:
        self._cloud = config.cloud
        self._client = ApiClient(
            self.source, config.url, config.authorization(),
            credentials_hint="check RATEBOT_JIRA_EMAIL and RATEBOT_JIRA_API_TOKEN "
            "(or RATEBOT_JIRA_PERSONAL_TOKEN)",
            sleep=sleep,
        )
        self._emails: TtlCache[str | None] = TtlCache()
        self._parser = JiraWebhook(None)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def person_email(self, person_id: str) -> str | None:
        return await self._emails.fetch(person_id, lambda: self._load_email(person_id))

    async def _load_email(self, person_id: str) -> str | None:
        if self._cloud:
            path, params = "/rest/api/3/user", {"accountId": person_id}
        else:
            path, params = "/rest/api/2/user", {"key": person_id}
        user = await self._client.get_json(path, params, patience=LOOKUP_PATIENCE_SECONDS)
        # Cloud leaves `emailAddress` out (or empty) when the profile hides it.
        raw = user.get("emailAddress") if isinstance(user, Mapping) else None
        email = raw if isinstance(raw, str) and raw else None
        return email

    async def group_name(self, group_id: str) -> str | None:
        # Jira's group is the project key, which webhooks and searches carry already.
        return group_id

    def checkpoint_at(self, since: datetime) -> str:
        return json.dumps({"after": since.astimezone(UTC).isoformat()})

    async def solved_since(self, checkpoint: str) -> SolvedPage:
        position = json.loads(checkpoint)
        after = datetime.fromisoformat(position["after"])
        latest = datetime.fromisoformat(position.get("latest") or position["after"])
        jql = (
            f'statusCategory = Done AND resolutiondate >= "{after - LOOKBACK:%Y/%m/%d %H:%M}" '
            "ORDER BY resolutiondate ASC"
        )
        params = {"jql": jql, "fields": FIELDS, "maxResults": str(PAGE_SIZE)}
        if self._cloud:
            if position.get("token"):
                params["nextPageToken"] = position["token"]
            page = await self._client.get_json("/rest/api/3/search/jql", params) or {}
            token = page.get("nextPageToken")
            more = bool(token) and not page.get("isLast", False)
        else:
            start = int(position.get("start", 0))
            params["startAt"] = str(start)
            page = await self._client.get_json("/rest/api/2/search", params) or {}
            issues_seen = len(page.get("issues") or [])
            token = start + issues_seen
            more = issues_seen > 0 and token < int(page.get("total", 0))
        fresh = [issue for issue in page.get("issues") or []
                 if not _resolved_before(issue, after - MARGIN)]
        closes, unreadable, latest = await self._closes(fresh, latest)
        if more:
            following = {"after": position["after"], "latest": latest.isoformat()}
            following["token" if self._cloud else "start"] = token
            return SolvedPage(tuple(closes), json.dumps(following), True, unreadable)
        return SolvedPage(tuple(closes), json.dumps({"after": latest.isoformat()}), False,
                          unreadable)

    async def _closes(
        self, issues: list[Any], latest: datetime
    ) -> tuple[list[ConversationClosed], int, datetime]:
        closes: list[ConversationClosed] = []
        unreadable = 0
        for issue in issues:
            if _not_served(issue):
                continue  # declined, cancelled, ...: nobody is asked
            close = await self._close_of(issue)
            if close is None:
                unreadable += 1
                continue
            closes.append(close)
            latest = max(latest, close.closed_at)
        return closes, unreadable, latest

    async def _close_of(self, issue: Any) -> ConversationClosed | None:
        """The issue as the webhook's close; None when it cannot be one (no e-mail, ...)."""
        if not isinstance(issue, Mapping):
            return None
        resolved = (issue.get("fields") or {}).get("resolutiondate")
        if not isinstance(resolved, str):
            return None
        data = {"issue": issue}
        emails = {account: await self.person_email(account) for account in hidden_accounts(data)}
        try:
            at = datetime.fromisoformat(resolved).astimezone(UTC)
            return self._parser.issue_closed(
                with_emails(data, emails), str(issue.get("key")), at, looked_up=emails
            )
        except (PayloadError, ValueError):
            return None


def _not_served(issue: Any) -> bool:
    fields = issue.get("fields") if isinstance(issue, Mapping) else None
    status = (fields or {}).get("status") or {}
    name = status.get("name") if isinstance(status, Mapping) else None
    return isinstance(name, str) and name.strip().casefold() in NOT_SERVED


def _resolved_before(issue: Any, cutoff: datetime) -> bool:
    fields = issue.get("fields") if isinstance(issue, Mapping) else None
    resolved = (fields or {}).get("resolutiondate")
    try:
        return datetime.fromisoformat(str(resolved)) < cutoff
    except ValueError:
        return False  # read as usual, and counted as unreadable there
