"""Bot Framework authentication whose HTTP clients are reused from turn to turn.

botbuilder 4.17's CloudAdapter builds a new ConnectorClient and a new user-token client
for every activity; msrest spends about 7 ms of CPU on each (its retry configuration is
rebuilt every time). Under load that CPU starves the event loop. BotFrameworkAdapter,
CloudAdapter's predecessor, cached connector clients per service URL and app id; this
does the same, behind the SDK's own `BotFrameworkAuthentication` interface.
"""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.skills import BotFrameworkClient

MAX_CLIENTS = 64  # service URLs are few (one per region); the bound is a safety net


class _ReusingFactory(ConnectorFactory):  # type: ignore[misc]  # botframework is untyped
    def __init__(self, inner: ConnectorFactory, clients: dict[tuple[str, ...], Any]) -> None:
        self._inner = inner
        self._clients = clients

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        # One key per app id (credentials), service URL and audience: exactly what the
        # inner factory builds a client from.
        key = (str(getattr(self._inner, "_app_id", "")), service_url, audience or "")
        client = self._clients.get(key)
        if client is None:
            if len(self._clients) >= MAX_CLIENTS:
                self._clients.clear()
            client = await self._inner.create(service_url, audience)
            self._clients[key] = client
        return client


class ReusingAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """Delegates everything to `inner`; connector and user-token clients are cached."""

    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self._inner = inner
        self._clients: dict[tuple[str, ...], Any] = {}
        self._token_clients: dict[tuple[str, ...], UserTokenClient] = {}

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _ReusingFactory(result.connector_factory, self._clients)
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _ReusingFactory(self._inner.create_connector_factory(claims_identity),
                               self._clients)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        claims = claims_identity.claims or {}
        key = tuple(str(claims.get(name, "")) for name in ("aud", "appid", "azp", "ver"))
        client = self._token_clients.get(key)
        if client is None:
            if len(self._token_clients) >= MAX_CLIENTS:
                self._token_clients.clear()
            client = await self._inner.create_user_token_client(claims_identity)
            self._token_clients[key] = client
        return client

    def create_bot_framework_client(self) -> BotFrameworkClient:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)
