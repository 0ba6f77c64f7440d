"""The servers the intake benchmark loads: `ratebot serve` itself, and a bare aiohttp baseline."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import logging

from aiohttp import web

TEAMS = ("servicedesk", "infra", "appdev")


async def bare_app(secret: str) -> web.Application:
    """The least a webhook endpoint must do before its 202: check the HMAC, parse the JSON."""
    key = secret.encode()

    async def handler(request: web.Request) -> web.Response:
        body = await request.read()
        expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("X-Ratebot-Signature", "")):
            return web.json_response({"error": "bad signature"}, status=401)
        try:
            json.loads(body)
        except ValueError:
            return web.json_response({"error": "body is not valid JSON"}, status=400)
        return web.json_response({"status": "accepted"}, status=202)

    app = web.Application()
    app.router.add_post("/webhooks/generic", handler)
    return app


async def serve_ratebot(database_url: str, secret: str, port: int) -> None:
    """What `ratebot serve` runs (HTTP, the delivery worker that settles closes, digests).

    The log level is WARNING, as the bare baseline writes no access log either.
    """
    from app.bootstrap import build
    from app.server import serve
    from app.settings import load_settings

    settings = load_settings({
        "RATEBOT_DATABASE_URL": database_url,
        "RATEBOT_WEBHOOK_SECRET": secret,
        "RATEBOT_HOST": "127.0.0.1",
        "RATEBOT_PORT": str(port),
        "RATEBOT_LOG_LEVEL": "WARNING",
    })
    setup = await build(settings)
    try:
        for team in TEAMS:
            if await setup.services.store.get_team(team) is None:
                now = setup.services.clock.now()
                await setup.services.store.add_team(team, actor="bench", at=now)
    finally:
        await setup.aclose()
    await serve(settings)  # until SIGTERM


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["bare", "ratebot"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", default="")
    parser.add_argument("--secret", default="bench-secret")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.mode == "bare":
        web.run_app(
            bare_app(args.secret), host="127.0.0.1", port=args.port, print=None, access_log=None
        )
    else:
        asyncio.run(serve_ratebot(args.database, args.secret, args.port))


if __name__ == "__main__":
    main()
