"""Bot Framework authentication whose HTTP clients are reused from turn to turn.

botbuilder 4.17's CloudAdapter builds a new ConnectorClient and a new user-token client
for every activity; msrest spends about 7 ms of CPU on each (its retry configuration is
rebuilt every time). Under load that CPU starves the event loop. BotFrameworkAdapter,
CloudAdapter's predecessor, cached connector clients per service URL and app id; this
does the same, behind the SDK's own `BotFrameworkAuthentication` interface.

A token the SDK accepted is also remembered until it expires. The Bot Framework sends the
same token with every activity for up to an hour, and checking it costs about 0.6 ms each
time (PyJWT decodes it five times, and the signing key is parsed from its JWK again): more
than the whole no-op turn. The SDK still checks every token it has not accepted before,
for the same channel and service URL, so a forged, expired or misdirected one is refused
exactly as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
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
MAX_TOKENS = 256  # live tokens are few (one per channel service at a time)


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

    def __init__(self, inner: BotFrameworkAuthentication,
                 now: Callable[[], float] = time.time) -> None:
        self._inner = inner
        self._now = now  # seconds since the epoch, as a token's `exp` counts them
        self._clients: dict[tuple[str, ...], Any] = {}
        self._token_clients: dict[tuple[str, ...], UserTokenClient] = {}
        self._accepted: dict[tuple[str, str, str], tuple[float, AuthenticateRequestResult]] = {}

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        # With a token, the SDK reads nothing of the activity but these two.
        key = (auth_header, str(activity.channel_id), str(activity.service_url))
        known = self._accepted.get(key) if auth_header else None
        if known is not None:
            expires, result = known
            if self._now() < expires:
                return _copy(result)
            del self._accepted[key]
        result = await self._inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _ReusingFactory(result.connector_factory, self._clients)
        until = _expiry(result) if auth_header else None
        if until is not None:
            if len(self._accepted) >= MAX_TOKENS:
                self._accepted.clear()
            self._accepted[key] = (until, _copy(result))
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


def _expiry(result: AuthenticateRequestResult) -> float | None:
    """When an accepted token stops being valid (its `exp`, without the SDK's leeway)."""
    identity = result.claims_identity
    claims = (identity.claims if identity is not None else None) or {}
    expires = claims.get("exp")
    return float(expires) if isinstance(expires, int | float) else None


def _copy(result: AuthenticateRequestResult) -> AuthenticateRequestResult:
    """A result of its own for each turn: the SDK keeps it and its identity in turn state."""
    copied = AuthenticateRequestResult()
    copied.audience = result.audience
    copied.caller_id = result.caller_id
    copied.connector_factory = result.connector_factory
    identity = result.claims_identity
    copied.claims_identity = None if identity is None else ClaimsIdentity(
        dict(identity.claims or {}), identity.is_authenticated, identity.authentication_type)
    return copied
