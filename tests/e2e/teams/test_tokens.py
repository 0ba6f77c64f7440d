"""With an app id, a Bot Framework token is checked for real: signature, issuer, audience.

The signing keys come from a loopback OpenID metadata server standing in for the Bot
Framework's (`ChannelValidation.open_id_metadata_endpoint` is the SDK's own override).
The SDK fetches them with blocking `requests`, so the server runs in its own thread.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import ChannelValidation, JwtTokenValidation
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from adapters.teams.app import BotFrameworkConfig, TeamsConfig, read_activity
from adapters.teams.reuse import ReusingAuthentication
from bot.domain.identity import PersonIdentity
from tests.e2e.teams.harness import teams_bot
from tests.e2e.teams.support import JAN, fixture
from tests.fakes.bot_connector import FakeConnector
from tests.fakes.clock import FakeClock

APP_ID = "8d88f59b-ae61-4300-bec0-caace7d28446"
ISSUER = "https://api.botframework.com"
KID = "ratebot-test-key"


@pytest.fixture
def signing_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": KID, "use": "sig", "endorsements": ["msteams"]})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            body = ({"jwks_uri": base + "/keys"} if self.path == "/openid"
                    else {"keys": [jwk]})
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/openid"
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", url)
    try:
        yield key
    finally:
        server.shutdown()
        server.server_close()


def token(key: rsa.RSAPrivateKey, service_url: str, **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "nbf": now - 60,
               "exp": now + 600, **claims}
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": KID})


async def test_a_valid_token_is_accepted_and_forged_ones_are_refused(
    database_url: str, clock: FakeClock, connector: FakeConnector,
    signing_key: rsa.RSAPrivateKey,
) -> None:
    environ = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "secret"}
    async with teams_bot(database_url, clock, connector, environ) as bot:
        # Known by email already: the install needs no roster call (which would need a
        # real Azure AD token for the bot's own outbound calls).
        await bot.services.store.upsert_person(
            PersonIdentity(email=JAN.email, teams_user_id=JAN.teams_id))
        install = fixture("teams_installation_update_personal.json")
        install["serviceUrl"] = connector.url
        install["from"] = JAN.account()
        install["conversation"]["id"] = JAN.chat
        other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        refused = {
            "signed by another key": token(other_key, connector.url),
            "for another bot": token(signing_key, connector.url, aud="another-app"),
            "from another issuer": token(signing_key, connector.url, iss="https://evil"),
            "for another service URL": token(signing_key, "https://smba.example/"),
            "expired": token(signing_key, connector.url, exp=int(time.time()) - 3600),
        }
        for why, forged in refused.items():
            bot.teams.headers["Authorization"] = f"Bearer {forged}"
            status, _ = await bot.teams.post(install)
            assert status == 401, why
        assert await bot.services.store.teams_conversation(JAN.chat) is None

        bot.teams.headers["Authorization"] = f"Bearer {token(signing_key, connector.url)}"
        status, _ = await bot.teams.post(install)
        assert status == 200
        stored = await bot.services.store.teams_conversation(JAN.chat)
        assert stored is not None and stored.kind == "personal"


def checked_tokens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token the SDK itself checks from now on (its signature, issuer, audience)."""
    checked: list[str] = []
    real = JwtTokenValidation.validate_auth_header

    async def validate(auth_header: str, *args: Any, **kwargs: Any) -> Any:
        checked.append(auth_header)
        return await real(auth_header, *args, **kwargs)

    monkeypatch.setattr(JwtTokenValidation, "validate_auth_header", validate)
    return checked


async def test_an_accepted_token_is_checked_once_until_it_expires(
    signing_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = checked_tokens(monkeypatch)
    now = [time.time()]
    authentication = ReusingAuthentication(
        ConfigurationBotFrameworkAuthentication(
            BotFrameworkConfig(TeamsConfig(app_id=APP_ID, app_password="secret"))),
        now=lambda: now[0],
    )
    service_url = "https://smba.trafficmanager.net/emea/"
    click = fixture("teams_invoke_adaptive_card_action.json")
    click["serviceUrl"] = service_url
    _, activity = read_activity(json.dumps(click).encode())
    signed = f"Bearer {token(signing_key, service_url)}"

    first = await authentication.authenticate_request(activity, signed)
    again = await authentication.authenticate_request(activity, signed)
    assert checked == [signed]  # the second activity with the token cost no check
    assert again.claims_identity.claims == first.claims_identity.claims
    assert again.claims_identity.claims["aud"] == APP_ID
    assert again.claims_identity is not first.claims_identity  # each turn has its own
    assert again.audience == first.audience and again.caller_id == first.caller_id

    now[0] = first.claims_identity.claims["exp"]  # expired: the SDK is asked again
    await authentication.authenticate_request(activity, signed)
    assert checked == [signed, signed]


async def test_a_remembered_token_is_still_refused_where_it_was_not_accepted(
    signing_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = checked_tokens(monkeypatch)
    authentication = ReusingAuthentication(ConfigurationBotFrameworkAuthentication(
        BotFrameworkConfig(TeamsConfig(app_id=APP_ID, app_password="secret"))))
    click = fixture("teams_invoke_adaptive_card_action.json")
    click["serviceUrl"] = "https://smba.trafficmanager.net/emea/"
    _, activity = read_activity(json.dumps(click).encode())
    signed = f"Bearer {token(signing_key, click['serviceUrl'])}"
    await authentication.authenticate_request(activity, signed)

    click["serviceUrl"] = "https://smba.example/"  # not the URL the token was issued for
    _, elsewhere = read_activity(json.dumps(click).encode())
    with pytest.raises(PermissionError):
        await authentication.authenticate_request(elsewhere, signed)
    forged = f"Bearer {token(rsa.generate_private_key(65537, 2048), click['serviceUrl'])}"
    for _ in range(2):  # a refused token is checked every time it comes
        with pytest.raises(jwt.InvalidSignatureError):
            await authentication.authenticate_request(elsewhere, forged)
    assert checked == [signed, signed, forged, forged]
