"""Installing ratebot for a person through Microsoft Graph, so Teams lets it message them.

Teams delivers a bot's message only to people who have the app (or share a team with the
bot). Where the organisation granted the app the Graph application permission
`TeamsAppInstallation.ReadWriteSelfForUser.All`, the bot can add itself to a person's
personal apps and then find the 1:1 chat that installation opened:

1. an app-only token for the person's tenant (client credentials, the bot's own app id
   and password);
2. `POST /users/{id}/teamwork/installedApps` binding the app's catalog id (201; 409 when
   it was installed already);
3. `GET /users/{id}/teamwork/installedApps?$expand=teamsApp&$filter=teamsApp/id eq '…'`
   for the installation's id;
4. `GET /users/{id}/teamwork/installedApps/{installation}/chat` for the chat's id, which
   the Bot Framework accepts as the conversation to send to.

A refusal (403: the permission is missing or not consented) is remembered per tenant for
an hour, so every prompt after the first fails at once instead of asking Graph again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.domain.clock import Clock
from bot.ports.chat import RecipientUnreachable, TransientDeliveryError

log = logging.getLogger(__name__)

PERMISSION = "TeamsAppInstallation.ReadWriteSelfForUser.All"
REFUSAL_KEPT = timedelta(hours=1)
TIMEOUT = aiohttp.ClientTimeout(total=20)


@dataclass(frozen=True, slots=True)
class GraphConfig:
    """What self-installation needs; the composition root builds it from the settings."""

    app_id: str  # MicrosoftAppId: the client of the token request
    app_password: str  # MicrosoftAppPassword
    catalog_id: str  # the app's id in the organisation's app catalog (not the manifest id)
    graph_url: str = "https://graph.microsoft.com/v1.0"
    login_url: str = "https://login.microsoftonline.com"


class GraphRefused(RecipientUnreachable):
    """Graph or the token endpoint said no: the person stays unreachable, nothing retries."""


@dataclass
class _Token:
    value: str
    until: datetime


@dataclass
class GraphInstaller:
    """Installs the app for one person at a time and returns their personal chat's id."""

    config: GraphConfig
    clock: Clock
    _tokens: dict[str, _Token] = field(default_factory=dict)
    _refused: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    _session: aiohttp.ClientSession | None = None

    async def personal_chat(self, tenant: str, user: str) -> str:
        """Install the app for `user` (AAD object id or sign-in name) in `tenant`; the chat id.

        Raise `GraphRefused` for a refusal, `TransientDeliveryError` for what may pass.
        """
        refused = self._refused.get(tenant)
        if refused is not None and refused[1] > self.clock.now():
            raise GraphRefused(refused[0])
        token = await self._token(tenant)
        base = f"{self.config.graph_url.rstrip('/')}/users/{quote(user, safe='@')}"
        apps = f"{base}/teamwork/installedApps"
        graph = self.config.graph_url.rstrip("/")
        bind = {"teamsApp@odata.bind": f"{graph}/appCatalogs/teamsApps/{self.config.catalog_id}"}
        # 409: installed already (by the person, a policy or an earlier try): carry on.
        status, _ = await self._call("POST", apps, token, tenant, json=bind, allowed=(201, 409))
        if status == 201:
            log.info("installed the Teams app for a person through Microsoft Graph")
        query = {"$expand": "teamsApp",
                 "$filter": f"teamsApp/id eq '{self.config.catalog_id}'"}
        _, listed = await self._call("GET", apps, token, tenant, params=query)
        found = listed.get("value") if isinstance(listed, dict) else None
        if not isinstance(found, list) or not found or not isinstance(found[0], dict):
            raise GraphRefused("Microsoft Graph installed the Teams app but does not list it "
                               "(check RATEBOT_TEAMS_APP_CATALOG_ID)")
        installation = quote(str(found[0].get("id")), safe="")
        _, chat = await self._call("GET", f"{apps}/{installation}/chat", token, tenant)
        chat_id = chat.get("id") if isinstance(chat, dict) else None
        if not isinstance(chat_id, str) or not chat_id:
            raise TransientDeliveryError("Microsoft Graph has no chat for the new installation yet")
        return chat_id

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------------ helpers
    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def _token(self, tenant: str) -> str:
        kept = self._tokens.get(tenant)
        if kept is not None and kept.until > self.clock.now():
            return kept.value
        url = f"{self.config.login_url.rstrip('/')}/{quote(tenant, safe='')}/oauth2/v2.0/token"
        form = {
            "grant_type": "client_credentials",
            "client_id": self.config.app_id,
            "client_secret": self.config.app_password,
            "scope": f"{_origin(self.config.graph_url)}/.default",
        }
        try:
            async with self._http().post(url, data=form) as response:
                body = await _json(response)
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransientDeliveryError("the Microsoft sign-in service could not be reached"
                                         ) from error
        token = body.get("access_token") if isinstance(body, dict) else None
        if status >= 500 or status == 429:
            raise TransientDeliveryError(f"the Microsoft sign-in service answered {status}")
        if status != 200 or not isinstance(token, str):
            # A wrong password or an app unknown in that tenant: the same for every person.
            reason = (f"ratebot could not sign in to Microsoft Graph for the person's tenant "
                      f"(answered {status}); check MicrosoftAppId and MicrosoftAppPassword")
            self._refuse(tenant, reason)
            raise GraphRefused(reason)
        try:
            seconds = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            seconds = 3600.0
        # Renewed five minutes early: a token must not expire between two calls.
        self._tokens[tenant] = _Token(token, self.clock.now() + timedelta(seconds=seconds - 300))
        return token

    async def _call(
        self, method: str, url: str, token: str, tenant: str, *, allowed: tuple[int, ...] = (200,),
        json: dict[str, Any] | None = None, params: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with self._http().request(method, url, headers=headers, json=json,
                                            params=params) as response:
                body = await _json(response)
                status = response.status
                retry_after = response.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransientDeliveryError("Microsoft Graph could not be reached") from error
        if status in allowed:
            return status, body
        if status == 429 or status >= 500:
            raise TransientDeliveryError(f"Microsoft Graph answered {status}",
                                         retry_after=_seconds(retry_after))
        if status in (401, 403):
            reason = (f"the ratebot app is not installed for this person, and Microsoft Graph "
                      f"refused to install it ({status}): grant the app the {PERMISSION} "
                      "application permission")
            self._refuse(tenant, reason)
            raise GraphRefused(reason)
        if status == 404:
            raise GraphRefused("the ratebot app is not installed for this person, and Microsoft "
                               "Graph knows no such person or app (404): check "
                               "RATEBOT_TEAMS_APP_CATALOG_ID")
        raise GraphRefused(f"the ratebot app is not installed for this person, and Microsoft "
                           f"Graph answered {status} to installing it")

    def _refuse(self, tenant: str, reason: str) -> None:
        log.warning("Microsoft Graph self-installation refused: %s", reason)
        self._refused[tenant] = (reason, self.clock.now() + REFUSAL_KEPT)


async def _json(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:  # an empty 201, or a proxy's HTML page
        return None


def _origin(url: str) -> str:
    """`https://graph.microsoft.com` of `https://graph.microsoft.com/v1.0`: the token scope."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
